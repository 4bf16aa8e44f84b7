/**
 * Data sources and compact data sets.
 *
 * <h2>Reading</h2>
 *
 * <ul>
 *   <li>{@link dev.jbackprop.data.DataFiles}: one entry point that picks the reader from the path.
 *   <li>{@link dev.jbackprop.data.Csv}: {@code .csv}, {@code .tsv}, either gzipped; header detected or
 *       given, label column(s) by name or index (default the last), classes or regression targets,
 *       float32 features. Large files are read in blocks on several threads.
 *   <li>{@link dev.jbackprop.data.Npz}: NumPy {@code .npz} with x/y or x_train/y_train(/x_test/y_test);
 *       x uint8 (kept as bytes), float32 or float64.
 *   <li>{@link dev.jbackprop.data.Idx} and {@link dev.jbackprop.data.Mnist}: IDX files (any number of
 *       classes), the MNIST cache.
 * </ul>
 *
 * A test set is read against the training set's {@link dev.jbackprop.data.DataSchema} (same classes in
 * the same order, same features); prediction inputs are checked against it. Every problem with a file's
 * contents is a {@link dev.jbackprop.data.DataFormatException} naming the file, line and column (or the
 * npz array and item).
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li><b>Header (CSV, auto):</b> the first row is a header when a cell outside the target columns is
 *       neither empty nor a number, or when a target column is named.
 *   <li><b>Task (inferred):</b> CSV: all labels numbers and one not an integer → regression, else
 *       classification; npz: y's dtype (integer → classes, float → regression); IDX: classes; several
 *       CSV target columns: regression.
 *   <li><b>Classes:</b> sorted (numerically when all labels are numbers, else by code point), not in order
 *       of appearance; a number's name is its shortest form ("3" for 3.0). IDX: 0 … k−1 with k the largest
 *       label in the training and test files plus one, or given.
 *   <li><b>Storage:</b> uint8 stays uint8 (one byte a value), everything else is float32; targets are class
 *       indices or float32. A {@link dev.jbackprop.data.Dataset} is a view (range or index list) over
 *       that storage; {@link dev.jbackprop.data.Split splits} copy nothing.
 *   <li><b>Conversion</b> happens per batch ({@link dev.jbackprop.data.Dataset#gatherFeatures}): uint8 v
 *       becomes v/255, then the attached {@link dev.jbackprop.data.Normalization} (none, minmax or
 *       standard, fitted in double on the training set only) applies (x − shift)·factor in float.
 *       Defaults: standard for float data, but minmax when every training feature value is a whole number
 *       in [0, 255] (pixels written as text); none for uint8 data.
 * </ul>
 *
 * <h2>For the engine</h2>
 *
 * {@link dev.jbackprop.data.Dataset#features()}, {@link dev.jbackprop.data.Dataset#outputs()},
 * {@link dev.jbackprop.data.Dataset#gatherFeatures} / {@link dev.jbackprop.data.Dataset#gatherTargets}
 * (a batch of samples into a column-major float buffer), {@link dev.jbackprop.data.Dataset#featureMatrix()}
 * (the uint8 or float32 arrays themselves, for an upload) with {@link
 * dev.jbackprop.data.Dataset#storeIndices()} (this view's rows in them), {@link
 * dev.jbackprop.data.Dataset#storedClassIndices()} / {@link dev.jbackprop.data.Dataset#storedTargets()} (the targets of
 * the stored samples), and {@link dev.jbackprop.data.Normalization#shiftFloats()} / {@link
 * dev.jbackprop.data.Normalization#factorFloats()} for a device-side gather that decodes and normalises exactly as
 * the CPU does (the engine's SampleStore is this, in its own terms; the command line maps one to the other).
 *
 * <p>May use: {@code model}, {@code io} (its {@link dev.jbackprop.io.BadFileException}). Not the engine, a backend
 * or the command line.
 */
package dev.jbackprop.data;
