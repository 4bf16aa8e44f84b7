package dev.jbackprop.engine;

/**
 * A dataset resident on a backend: x is (features × count) and y (classes × count), column-major,
 * one sample per column, uploaded once. Batches are gathered from it by index.
 */
public final class DeviceData implements AutoCloseable {
  public final Mat x;
  public final Mat y;
  public final int count;
  private final Block xb, yb;

  private DeviceData(Block xb, Block yb, int features, int classes, int count) {
    this.xb = xb;
    this.yb = yb;
    this.x = new Mat(xb, features, count);
    this.y = new Mat(yb, classes, count);
    this.count = count;
  }

  /** Uploads count samples: x holds them as rows of features (that is, features × count column-major). */
  public static DeviceData upload(Ops ops, float[] x, float[] y, int features, int classes, int count) {
    if ((long) features * count != x.length || (long) classes * count != y.length) {
      throw new IllegalArgumentException("dataset arrays do not match " + count + " samples of " + features + " features and " + classes + " classes");
    }
    Block xb = ops.allocate(x.length);
    Block yb;
    try {
      yb = ops.allocate(y.length);
    } catch (RuntimeException e) {
      xb.close();
      throw e;
    }
    ops.upload(x, 0, xb, 0, x.length);
    ops.upload(y, 0, yb, 0, y.length);
    return new DeviceData(xb, yb, features, classes, count);
  }

  @Override
  public void close() {
    xb.close();
    yb.close();
  }
}
