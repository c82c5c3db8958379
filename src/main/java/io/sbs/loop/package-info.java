/**
 * The dispatch loop: the one place where the scheduling core meets Reactor. It confines the core to one
 * task at a time, feeds it arrivals, engine signals and ticks on a monotonic clock, and hands its
 * decisions to whoever sent the request (the ingress), which then talks to the engine.
 */
@NullMarked
package io.sbs.loop;

import org.jspecify.annotations.NullMarked;
