/**
 * The chaos drills behind {@code app/chaos}: each drill starts real processes (redis-server, and for the
 * {@code sentinel} drill replicas and Sentinels; engine simulators; two dispatcher JVMs in active-standby),
 * drives an OpenAI client load over both dispatchers, injects one fault per run with POSIX signals
 * ({@code SIGKILL} the leader, {@code SIGSTOP}/{@code SIGCONT} it, {@code SIGKILL} the Redis master),
 * measures what the clients and the store saw, and writes {@code summary.json}, {@code summary.md} and
 * every process's log for post-mortems. The process helpers it shares with {@code bench} live in
 * {@code io.sbs.tools}; a tool, it may use the product, never {@code bench} or {@code enginesim}. Nothing here is a stand-in: the point is to catch what only real
 * processes, sockets and clocks show. Every process is killed when the drill ends, however it ends.
 */
@NullMarked
package io.sbs.chaos;

import org.jspecify.annotations.NullMarked;
