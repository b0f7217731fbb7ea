/*
 * fma-peak: the single-core double-precision FMA peak this machine reaches from C, the yardstick
 * for Test-CpuStability's Vector workload (Invoke-CpuBenchmark.ps1 compiles and runs it).
 *
 * Independent accumulators (more than FMA latency x FMA ports) each stepped by acc = acc*a + b,
 * using AVX-512 when the CPU has it (checked at run time) and AVX2+FMA otherwise. The process is
 * pinned to one CPU and runs for a fixed time after a short warm-up (which lets the clock settle
 * and, on AVX-512 parts, the licence change happen before timing starts).
 *
 * Build: gcc -O2 -o fma-peak fma-peak.c        (no -march: the kernels carry their own target)
 * Run:   fma-peak [seconds=3] [cpu=0]
 * Prints one JSON line: {"isa":"AVX2+FMA","accumulators":12,"cpu":0,"seconds":3.000,"gflops":46.1,"checksum":...}
 * Exit 2 when the CPU has neither AVX-512F nor AVX2+FMA, 3 when pinning fails.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The operands come through volatile so the compiler cannot fold or hoist the chains. */
static volatile double va = 0.999999, vb = 1e-7, vstart = 1.0;

#define FMA_ITERS_PER_CALL 1000000L

/* Runs FMA_ITERS_PER_CALL steps of 12 ymm accumulators; returns a checksum so nothing is dead. */
__attribute__((target("avx2,fma"), noinline)) static double kernel_avx2(void)
{
    const __m256d a = _mm256_set1_pd(va), b = _mm256_set1_pd(vb);
    __m256d x0 = _mm256_set1_pd(vstart), x1 = _mm256_add_pd(x0, b), x2 = _mm256_add_pd(x1, b), x3 = _mm256_add_pd(x2, b);
    __m256d x4 = _mm256_add_pd(x3, b), x5 = _mm256_add_pd(x4, b), x6 = _mm256_add_pd(x5, b), x7 = _mm256_add_pd(x6, b);
    __m256d x8 = _mm256_add_pd(x7, b), x9 = _mm256_add_pd(x8, b), x10 = _mm256_add_pd(x9, b), x11 = _mm256_add_pd(x10, b);
    for (long i = 0; i < FMA_ITERS_PER_CALL; i++) {
        x0 = _mm256_fmadd_pd(x0, a, b);
        x1 = _mm256_fmadd_pd(x1, a, b);
        x2 = _mm256_fmadd_pd(x2, a, b);
        x3 = _mm256_fmadd_pd(x3, a, b);
        x4 = _mm256_fmadd_pd(x4, a, b);
        x5 = _mm256_fmadd_pd(x5, a, b);
        x6 = _mm256_fmadd_pd(x6, a, b);
        x7 = _mm256_fmadd_pd(x7, a, b);
        x8 = _mm256_fmadd_pd(x8, a, b);
        x9 = _mm256_fmadd_pd(x9, a, b);
        x10 = _mm256_fmadd_pd(x10, a, b);
        x11 = _mm256_fmadd_pd(x11, a, b);
    }
    __m256d s = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(x0, x1), _mm256_add_pd(x2, x3)),
                              _mm256_add_pd(_mm256_add_pd(x4, x5), _mm256_add_pd(x6, x7)));
    s = _mm256_add_pd(s, _mm256_add_pd(_mm256_add_pd(x8, x9), _mm256_add_pd(x10, x11)));
    double lanes[4];
    _mm256_storeu_pd(lanes, s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

/* 24 zmm accumulators: covers latency 4 on two 512-bit ports with room to spare. */
__attribute__((target("avx512f"), noinline)) static double kernel_avx512(void)
{
    const __m512d a = _mm512_set1_pd(va), b = _mm512_set1_pd(vb);
    __m512d x[24];
    x[0] = _mm512_set1_pd(vstart);
    for (int k = 1; k < 24; k++)
        x[k] = _mm512_add_pd(x[k - 1], b);
    __m512d x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7];
    __m512d x8 = x[8], x9 = x[9], x10 = x[10], x11 = x[11], x12 = x[12], x13 = x[13], x14 = x[14], x15 = x[15];
    __m512d x16 = x[16], x17 = x[17], x18 = x[18], x19 = x[19], x20 = x[20], x21 = x[21], x22 = x[22], x23 = x[23];
    for (long i = 0; i < FMA_ITERS_PER_CALL; i++) {
        x0 = _mm512_fmadd_pd(x0, a, b);
        x1 = _mm512_fmadd_pd(x1, a, b);
        x2 = _mm512_fmadd_pd(x2, a, b);
        x3 = _mm512_fmadd_pd(x3, a, b);
        x4 = _mm512_fmadd_pd(x4, a, b);
        x5 = _mm512_fmadd_pd(x5, a, b);
        x6 = _mm512_fmadd_pd(x6, a, b);
        x7 = _mm512_fmadd_pd(x7, a, b);
        x8 = _mm512_fmadd_pd(x8, a, b);
        x9 = _mm512_fmadd_pd(x9, a, b);
        x10 = _mm512_fmadd_pd(x10, a, b);
        x11 = _mm512_fmadd_pd(x11, a, b);
        x12 = _mm512_fmadd_pd(x12, a, b);
        x13 = _mm512_fmadd_pd(x13, a, b);
        x14 = _mm512_fmadd_pd(x14, a, b);
        x15 = _mm512_fmadd_pd(x15, a, b);
        x16 = _mm512_fmadd_pd(x16, a, b);
        x17 = _mm512_fmadd_pd(x17, a, b);
        x18 = _mm512_fmadd_pd(x18, a, b);
        x19 = _mm512_fmadd_pd(x19, a, b);
        x20 = _mm512_fmadd_pd(x20, a, b);
        x21 = _mm512_fmadd_pd(x21, a, b);
        x22 = _mm512_fmadd_pd(x22, a, b);
        x23 = _mm512_fmadd_pd(x23, a, b);
    }
    __m512d s = _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(x0, x1), _mm512_add_pd(x2, x3)),
                              _mm512_add_pd(_mm512_add_pd(x4, x5), _mm512_add_pd(x6, x7)));
    s = _mm512_add_pd(s, _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(x8, x9), _mm512_add_pd(x10, x11)),
                                       _mm512_add_pd(_mm512_add_pd(x12, x13), _mm512_add_pd(x14, x15))));
    s = _mm512_add_pd(s, _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(x16, x17), _mm512_add_pd(x18, x19)),
                                       _mm512_add_pd(_mm512_add_pd(x20, x21), _mm512_add_pd(x22, x23))));
    return _mm512_reduce_add_pd(s);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    int cpu = argc > 2 ? atoi(argv[2]) : 0;
    if (seconds <= 0)
        seconds = 3.0;

    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, "fma-peak: cannot pin to CPU %d\n", cpu);
        return 3;
    }

    __builtin_cpu_init();
    double (*kernel)(void);
    const char *isa;
    int accumulators, lanes;
    if (__builtin_cpu_supports("avx512f")) {
        kernel = kernel_avx512, isa = "AVX-512", accumulators = 24, lanes = 8;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        kernel = kernel_avx2, isa = "AVX2+FMA", accumulators = 12, lanes = 4;
    } else {
        fprintf(stderr, "fma-peak: this CPU has neither AVX-512F nor AVX2+FMA\n");
        return 2;
    }

    double checksum = 0;
    double warm_until = now() + 0.3;
    while (now() < warm_until)
        checksum += kernel();

    long calls = 0;
    double start = now(), elapsed;
    do {
        checksum += kernel();
        calls++;
        elapsed = now() - start;
    } while (elapsed < seconds);

    /* Two FLOPs (multiply and add) per lane per FMA. */
    double flops = (double)calls * FMA_ITERS_PER_CALL * accumulators * lanes * 2.0;
    printf("{\"isa\":\"%s\",\"accumulators\":%d,\"cpu\":%d,\"seconds\":%.3f,\"gflops\":%.2f,\"checksum\":%.6g}\n",
           isa, accumulators, cpu, elapsed, flops / elapsed / 1e9, checksum);
    return 0;
}
