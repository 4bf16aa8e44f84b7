/**
 * The CPU backend: {@link dev.jbackprop.engine.Ops} in float32, GEMMs through OpenBLAS (JavaCPP) split over its own
 * worker threads, and the elementwise passes as vectorised C loops (with Java loops as the fallback).
 *
 * <p>May use: {@code model}, {@code engine}. Every JavaCPP/OpenBLAS class is used from here and nowhere else.
 */
package dev.jbackprop.backend.cpu;
