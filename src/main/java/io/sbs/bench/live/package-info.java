/**
 * {@code app/bench live}: the policies against real engines in real time, as an operator would deploy them.
 * Engine-simulator processes ({@code sbs.jar engine-sim --role prefill}, SGLang's endpoints, passes on the
 * wall clock) stand for the prefill instances, by default without the EndForward push, as stock SGLang and
 * vLLM run; the dispatcher runs in a JVM of its own, once per policy. The engines' capacity is measured
 * first by a saturating closed loop straight to them, then each load fraction of it is offered open loop
 * (seeded Poisson arrivals, the simulator's prompt lengths, the same for every policy) as streaming chat
 * completions, and the time to the first content chunk is taken at the client. A helper measures what a
 * load poll costs an engine. Results go to {@code summary.json}, {@code report.md} and a plot. With
 * {@code --trace}, {@link io.sbs.bench.live.TraceBench} replays a slice of a Mooncake trace instead, prompts
 * made of token ids per hash id, over engines with a prefix cache, to compare the cache-aware policies.
 */
@NullMarked
package io.sbs.bench.live;

import org.jspecify.annotations.NullMarked;
