/**
 * Shared cluster state in Redis and the leadership around it: the leader lease with its epoch, and
 * fenced writes that Redis refuses from anyone but the lease holder at its epoch, so an active scheduler
 * that was paused or cut off cannot overwrite what its successor decided. The Lua scripts live in the
 * repository's {@code redis/} folder and are loaded from the classpath.
 */
@NullMarked
package io.sbs.state;

import org.jspecify.annotations.NullMarked;
