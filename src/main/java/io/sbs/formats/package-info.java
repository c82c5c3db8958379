/**
 * The file formats the product and its tools read: engine profiles from JSON (bundled ones by name from
 * {@code profiles/}, or a file), and public request traces (the Azure LLM inference trace CSV and Mooncake
 * JSONL with prefix hash ids) into the simulator's workloads. Plain Java and Jackson on top of {@code sim}, so
 * the dispatcher (the policy preview, the embedded default) and the tools read the same files the same way.
 */
@NullMarked
package io.sbs.formats;

import org.jspecify.annotations.NullMarked;
