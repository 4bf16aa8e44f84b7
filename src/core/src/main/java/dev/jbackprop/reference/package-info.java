/**
 * The oracle: a deliberately naive network in double precision, one sample at a time, the textbook's equations
 * line by line and never optimised, and central finite differences to check its gradients. Every gradient the
 * engine computes is checked against it.
 *
 * <p>May use: {@code model}. It shares nothing with the engine, so that it catches what a shared mistake would
 * hide.
 */
package dev.jbackprop.reference;
