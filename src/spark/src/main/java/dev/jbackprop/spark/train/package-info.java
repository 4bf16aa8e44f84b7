/**
 * {@code jbackprop train --workers N}: synchronous data-parallel training of one run on N Spark workers. {@link
 * dev.jbackprop.spark.train.SparkTraining} is the command line's {@link dev.jbackprop.cli.DistributedTraining}: one
 * barrier stage for the whole run ({@link dev.jbackprop.spark.BarrierRunner}), each worker a train run in its task
 * ({@link dev.jbackprop.spark.train.TrainWorker}) whose trainer sums every step's gradients with the others' through
 * a {@link dev.jbackprop.spark.train.CollectiveExchange} (the engine's {@link dev.jbackprop.engine.GradientExchange}
 * over a {@link dev.jbackprop.spark.collective.CheckedSum}); restarted from the run's latest checkpoint when a worker
 * fails. On the CUDA backend, with -Djbackprop.train.nccl=true, the gradients are summed in device memory by
 * {@link dev.jbackprop.spark.train.NcclExchange} (NCCL through JavaCPP's CUDA presets; written and gpu-tagged, never
 * run). See src/spark/DESIGN.md.
 */
package dev.jbackprop.spark.train;
