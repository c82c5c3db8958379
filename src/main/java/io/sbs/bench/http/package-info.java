/**
 * {@code app/bench http}: the dispatcher's own cost on the wire. An instant engine (a reactor-netty server
 * that answers OpenAI calls at once and always reports itself idle) stands behind four paths measured in
 * one run (or those chosen): the engine directly (the baseline), nginx proxying to it, a bare Reactor Netty
 * proxy in a JVM of its own (the floor of a JVM proxy) and the dispatcher in a JVM of its own (as nginx is
 * its own process). A Java load generator drives each path open loop at a fixed rate, timing every request from
 * its intended send time so a stalled proxy cannot hide its queue, then closed loop for the highest
 * request rate; the results go to {@code summary.json} and {@code report.md}. Added latency is a path's
 * percentile less the direct baseline's, so the generator's and the engine's own costs cancel out.
 */
@NullMarked
package io.sbs.bench.http;

import org.jspecify.annotations.NullMarked;
