/**
 * The public API. (draft)
 */
package dev.jbackprop.api;
