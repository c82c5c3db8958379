package io.sbs.core;

import java.util.Map;
import java.util.TreeMap;

/** A policy with out-of-range or unknown settings; {@link #fieldErrors()} names each offending field. */
public final class InvalidPolicyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final Map<String, String> fieldErrors;

    public InvalidPolicyException(Map<String, String> fieldErrors) {
        super("invalid policy: " + new TreeMap<>(fieldErrors));
        this.fieldErrors = Map.copyOf(fieldErrors);
    }

    public Map<String, String> fieldErrors() {
        return fieldErrors;
    }
}
