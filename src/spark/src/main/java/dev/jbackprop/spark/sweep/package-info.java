/**
 * jbackprop sweep: hyper-parameter sweeps on Apache Spark. {@link dev.jbackprop.spark.sweep.SweepSpec} parses a grid,
 * {@link dev.jbackprop.spark.sweep.SweepPlan} fixes the configurations (each checked by train's own parser),
 * {@link dev.jbackprop.spark.sweep.Sweep} runs each as one Spark task (a normal {@code jbackprop train} in the task's
 * JVM, checkpointed, resumed when Spark retries it), and {@link dev.jbackprop.spark.sweep.SweepReport} writes
 * sweep.csv, sweep.json and sweep.png. {@link dev.jbackprop.spark.sweep.SweepCommand} is the command, added to the
 * command line by {@link dev.jbackprop.spark.sweep.SweepExtension}.
 */
package dev.jbackprop.spark.sweep;
