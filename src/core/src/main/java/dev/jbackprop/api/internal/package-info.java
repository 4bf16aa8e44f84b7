/**
 * What the API's implementation shares with the command line, not exported by the module: opening a backend by
 * kind (the selection behind {@link dev.jbackprop.api.Backend}, which the command line also uses to reach the
 * engine directly), the device information of an opened engine, and the translation of the library's internal
 * exceptions into the API's.
 *
 * <p>May use: everything the {@code api} package may use (it is part of it).
 */
package dev.jbackprop.api.internal;
