#!/bin/sh
# Writes a libFuzzer dictionary for the frontend fuzzer: every word of the
# language as `kilnc --reference` prints it from the frontend's table, and
# the lexer's punctuation and comment markers.
# Usage: make-dict.sh KILNC OUTPUT
set -eu
kilnc=$1
out=$2
{
  "$kilnc" --reference | awk '
    /^[a-z ]+: / && !/ -- / {
      sub(/^[^:]*: /, "")
      n = split($0, words, ", ")
      for (i = 1; i <= n; ++i) print words[i]
      next
    }
    /^ *[a-z_0-9]+( --|:)/ { w = $1; sub(/:$/, "", w); print w }
    /^section [a-z_]+ --/ { print $2 }'
  for p in '->' '{' '}' '(' ')' '[' ']' '=' ',' '-' '//' '/*' '*/' '\"'; do
    echo "$p"
  done
} | sort -u | sed 's/\\/\\\\/g; s/"/\\"/g; s/.*/"&"/' > "$out"
