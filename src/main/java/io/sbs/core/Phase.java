package io.sbs.core;

/** The phase an instance serves under prefill/decode disaggregation. */
public enum Phase {
    PREFILL,
    DECODE
}
