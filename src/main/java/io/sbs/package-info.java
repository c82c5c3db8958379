/**
 * The platform's base package: the Spring Boot entry point, which also dispatches the {@code bench},
 * {@code chaos} and {@code engine-sim} commands to the tools, the one class that names both the product
 * and its tools. The layers live in sub-packages (see docs/architecture.md).
 */
@NullMarked
package io.sbs;

import org.jspecify.annotations.NullMarked;
