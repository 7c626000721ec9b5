//===- Winograd.cpp - Minimal filtering algorithms F(m, 2) ----------------===//

#include "kiln/Codegen/Winograd.h"

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <numeric>

using namespace kiln;
using namespace kiln::codegen;

namespace {

/// Exact arithmetic for the derivation: the entries stay small (F(6, 2)'s
/// largest denominator is 120).
struct Rational {
  int64_t num = 0, den = 1;
  Rational(int64_t n = 0, int64_t d = 1) : num(n), den(d) {
    if (den < 0) {
      num = -num;
      den = -den;
    }
    int64_t g = std::gcd(num, den);
    if (g > 1) {
      num /= g;
      den /= g;
    }
  }
  Rational operator+(Rational o) const {
    return {num * o.den + o.num * den, den * o.den};
  }
  Rational operator-(Rational o) const {
    return {num * o.den - o.num * den, den * o.den};
  }
  Rational operator*(Rational o) const { return {num * o.num, den * o.den}; }
  Rational operator/(Rational o) const { return {num * o.den, den * o.num}; }
  bool isZero() const { return num == 0; }
};

using Matrix = std::vector<std::vector<Rational>>;

Rational power(Rational x, int k) {
  Rational p(1);
  for (int i = 0; i < k; ++i)
    p = p * x;
  return p;
}

/// Rows: a polynomial of `terms` coefficients evaluated at each point, then
/// its leading coefficient (the point at infinity).
Matrix evaluation(const std::vector<Rational> &points, int terms) {
  Matrix e;
  for (Rational p : points) {
    std::vector<Rational> row;
    for (int k = 0; k < terms; ++k)
      row.push_back(power(p, k));
    e.push_back(row);
  }
  std::vector<Rational> infinity(terms);
  infinity.back() = Rational(1);
  e.push_back(infinity);
  return e;
}

Matrix inverse(Matrix a) {
  size_t n = a.size();
  Matrix inv(n, std::vector<Rational>(n));
  for (size_t i = 0; i < n; ++i)
    inv[i][i] = Rational(1);
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    while (a[pivot][col].isZero())
      ++pivot;
    std::swap(a[col], a[pivot]);
    std::swap(inv[col], inv[pivot]);
    Rational scale = a[col][col];
    for (size_t j = 0; j < n; ++j) {
      a[col][j] = a[col][j] / scale;
      inv[col][j] = inv[col][j] / scale;
    }
    for (size_t i = 0; i < n; ++i) {
      if (i == col || a[i][col].isZero())
        continue;
      Rational f = a[i][col];
      for (size_t j = 0; j < n; ++j) {
        a[i][j] = a[i][j] - f * a[col][j];
        inv[i][j] = inv[i][j] - f * inv[col][j];
      }
    }
  }
  return inv;
}

int toInt(Rational r) {
  assert(r.den == 1 && "a transform scaled to integers");
  return static_cast<int>(r.num);
}

} // namespace

WinogradF2 codegen::winogradF2(int m) {
  assert(m >= 2 && m <= kMaxWinogradOutputs);
  // Per m, the finite points whose fp32 error over 236-channel sums of
  // ReLU outputs was lowest among 0, +-1, +-2, +-1/2 (2-5e-6 relative; the
  // direct sum, 1e-6).
  static const std::vector<Rational> kPoints[] = {
      {0, 1},
      {0, 1, -1},
      {0, 1, -1, -2},
      {0, 1, -1, 2, Rational(-1, 2)},
      {0, 1, -1, 2, -2, Rational(-1, 2)}};
  const std::vector<Rational> &points = kPoints[m - 2];
  int n = m + 1;
  // Toom-Cook's linear convolution of m and 2 coefficients: c = C (Ea a .
  // Eg g) with C the inverse of the n-term evaluation. Its transpose is the
  // correlation: y = Ea^T ((Eg g) . (C^T d)).
  Matrix c = inverse(evaluation(points, n));
  Matrix ea = evaluation(points, m), eg = evaluation(points, 2);
  Matrix bt(n, std::vector<Rational>(n)), at(m, std::vector<Rational>(n));
  for (int p = 0; p < n; ++p) {
    for (int j = 0; j < n; ++j)
      bt[p][j] = c[j][p];
    for (int i = 0; i < m; ++i)
      at[i][p] = ea[p][i];
  }
  // Each product p may be scaled by s and its filter row by 1/s: B^T's row
  // and A^T's column are scaled to the smallest integers.
  for (int p = 0; p < n; ++p) {
    int64_t den = 1, num = 0;
    for (Rational x : bt[p]) {
      den = std::lcm(den, x.den);
      num = std::gcd(num, std::abs(x.num));
    }
    Rational s(den, num);
    for (Rational &x : bt[p])
      x = x * s;
    int64_t outDen = 1;
    for (int i = 0; i < m; ++i)
      outDen = std::lcm(outDen, at[i][p].den);
    for (int i = 0; i < m; ++i)
      at[i][p] = at[i][p] * Rational(outDen);
    for (Rational &x : eg[p])
      x = x / (s * Rational(outDen));
  }
  WinogradF2 f;
  f.m = m;
  for (int p = 0; p < n; ++p) {
    std::vector<int> row;
    for (Rational x : bt[p])
      row.push_back(toInt(x));
    f.inputTransform.push_back(row);
    f.filterTransform.push_back(
        {static_cast<double>(eg[p][0].num) / static_cast<double>(eg[p][0].den),
         static_cast<double>(eg[p][1].num) /
             static_cast<double>(eg[p][1].den)});
  }
  for (int i = 0; i < m; ++i) {
    std::vector<int> row;
    for (Rational x : at[i])
      row.push_back(toInt(x));
    f.outputTransform.push_back(row);
  }
  return f;
}
