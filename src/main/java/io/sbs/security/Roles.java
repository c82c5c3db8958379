package io.sbs.security;

import java.util.Set;

/** The roles of the platform, as configured (without Spring's {@code ROLE_} prefix). */
public final class Roles {

    /** Reads: the admin API's GETs, the dashboard, health details. */
    public static final String VIEWER = "VIEWER";
    /** Every change: policies, instances, the interval override; also everything a viewer may. */
    public static final String OPERATOR = "OPERATOR";
    /** Engines and sidecars pushing EndForward; nothing else. */
    public static final String ENGINE = "ENGINE";

    public static final Set<String> ALL = Set.of(VIEWER, OPERATOR, ENGINE);

    private Roles() {
    }
}
