/**
 * Reading checkpoints. {@link io.scalpel.io.GgufReader} maps GGUF v2/v3 files and exposes their tensors as
 * {@link io.scalpel.tensor.Tensor}s (row-major, Hugging Face shape order). Every problem with a file is a
 * one-line {@link io.scalpel.io.CheckpointException} naming the file.
 */
package io.scalpel.io;
