package io.sbs.core;

/** A decision: send {@code request} to {@code unit}. */
public record Assignment(InferenceRequest request, DpUnitId unit) {
}
