/*
 * src/sm/sm2_point.h - points of the SM2 curve y^2 = x^3 - 3x + b over GF(p)
 * (GB/T 32918.5 sm2p256v1), coordinates in Montgomery form.
 *
 * Jacobian (X, Y, Z) stands for (X/Z^2, Y/Z^3); Z = 0 is the point at
 * infinity. Functions whose name ends in _vt are variable-time and are for
 * public inputs only (verification, table generation); every other
 * function is constant-time in its scalar and point.
 */
#ifndef GMTLS_SM2_POINT_H
#define GMTLS_SM2_POINT_H

#include <stdint.h>

typedef struct {
    uint64_t X[4], Y[4], Z[4];
} sm2_jac;

typedef struct {
    uint64_t x[4], y[4];
} sm2_aff;

/* The generator, Montgomery form. */
extern const sm2_aff gmtls_sm2_g;
/* b, Montgomery form. */
extern const uint64_t gmtls_sm2_b_mont[4];

void gmtls_sm2_jac_dbl(sm2_jac *r, const sm2_jac *p);
/* Complete constant-time addition (any inputs, including equal points,
 * opposite points and infinity). */
void gmtls_sm2_jac_add(sm2_jac *r, const sm2_jac *p, const sm2_jac *q);

/* r = k*G, k a 256-bit little-endian scalar (any value, k >= n allowed).
 * Constant time; uses the precomputed comb table. */
void gmtls_sm2_mul_g(sm2_jac *r, const uint64_t k[4]);
/* r = k*P, constant time in k and P. */
void gmtls_sm2_mul_point(sm2_jac *r, const uint64_t k[4], const sm2_aff *p);
/* r = k*P, variable time: public inputs only (the SM2 key exchange's
 * P + [x]R, GB/T 32918.3-2016 §6.1 A7/B5). */
void gmtls_sm2_mul_point_vt(sm2_jac *r, const uint64_t k[4], const sm2_aff *p);
/* r = u1*G + u2*P, variable time: public inputs only. */
void gmtls_sm2_mul_double_vt(sm2_jac *r, const uint64_t u1[4], const uint64_t u2[4], const sm2_aff *p);

/* Affine coordinates of p (Montgomery form), constant time. Returns an
 * all-ones mask if p is the point at infinity (r is then (0, 0)). */
uint64_t gmtls_sm2_jac_to_affine(sm2_aff *r, const sm2_jac *p);
/* The same with zi = Z^-1 given (a shared inversion). */
void gmtls_sm2_jac_to_affine_zi(sm2_aff *r, const sm2_jac *p, const uint64_t zi[4]);

/* The affine x-coordinate only (Montgomery form), constant time; returns
 * an all-ones mask if p is the point at infinity (x is then 0). */
uint64_t gmtls_sm2_jac_affine_x(uint64_t x[4], const sm2_jac *p);

/* All-ones if (x, y) (Montgomery form) satisfies the curve equation. */
uint64_t gmtls_sm2_aff_on_curve(const sm2_aff *p);

#endif
