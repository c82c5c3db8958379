/**
 * The platform's base package: the Spring Boot entry point, which also dispatches the {@code bench}
 * command to the benchmark runner. The layers live in sub-packages (see docs/architecture.md).
 */
@NullMarked
package io.sbs;

import org.jspecify.annotations.NullMarked;
