package io.sbs.sim;

import io.sbs.core.Assignment;
import io.sbs.core.ClusterState;
import io.sbs.core.DecodeStepEndedEvent;
import io.sbs.core.DpUnitId;
import io.sbs.core.InferenceRequest;
import io.sbs.core.OutputLengthEstimator;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.Phase;
import io.sbs.core.PolicyRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The decode side of a coupled P/D run of {@link PrefillSimulation} ({@link PrefillSimulation.Coupling}): the
 * policy's decode strategy picks each request's decode unit from the prefill decisions of one window, as the
 * live dispatch loop pairs them; once the prefill has ended and the unit is chosen the KV moves, and the
 * request is decoded to its true length on a {@link DecodeInstance}. It measures TPOT and the decode queue.
 */
final class CoupledDecode {

    private static final long MS = 1_000_000L;

    private final PrefillSimulation.Config config;
    private final ClusterState cluster;
    private final EventQueue events;
    private final long dispatchLatency;
    private final long signalLatency;
    private final long kvTransfer;
    private final SimulatedDispatcher dispatcher;
    private final List<DecodeInstance> instances = new ArrayList<>();
    /** Null when the dispatcher is handed the true output lengths (the oracle). */
    private final @Nullable OutputLengthEstimator estimator;
    private final long[] prefillEndAt;
    private final long[] decidedAt;
    private final int[] instance;
    private final int[] rank;
    private final long[] expectedKv;
    private final Stats.Sample tpotMs = new Stats.Sample();
    private final Stats.Sample queueMs = new Stats.Sample();
    private int decoded;
    private int prefilled;

    CoupledDecode(PrefillSimulation.Config config, PrefillSimulation.Coupling coupling, ClusterState cluster,
            EventQueue events, long dispatchLatency, long signalLatency) {
        this.config = config;
        this.cluster = cluster;
        this.events = events;
        this.dispatchLatency = dispatchLatency;
        this.signalLatency = signalLatency;
        this.kvTransfer = Math.round(config.profile().network().kvTransferMs() * MS);
        int n = config.workload().size();
        this.prefillEndAt = new long[n];
        this.decidedAt = new long[n];
        this.instance = new int[n];
        this.rank = new int[n];
        this.expectedKv = new long[n];
        Arrays.fill(prefillEndAt, -1);
        Arrays.fill(decidedAt, -1);
        SplittableRandom jitter = new SplittableRandom(config.seed() * 17 + 3);
        instances.addAll(DecodeInstance.start(cluster, config.profile().decode(), coupling.decodeInstances(), events,
                jitter, new DecodeInstance.Listener() {
                    @Override
                    public void stepEnded(long durationNanos, long tokens, DecodeStepEndedEvent report) {
                        events.schedule(events.now() + signalLatency, () -> {
                            cluster.onDecodeStepEnded(report, events.now());
                            cluster.onDecodeStepTimed(report.instanceId(), durationNanos);
                            dispatcher.signalled();
                        });
                    }

                    @Override
                    public void finished(InferenceRequest request, DpUnitId unit, long startedAt) {
                        decodeFinished(request, unit, startedAt);
                    }
                }));
        this.dispatcher = new SimulatedDispatcher(events, PolicyRegistry.standard().decode(
                config.policy().name(), cluster, new SplittableRandom(config.seed() * 37 + 11)), this::send);
        this.estimator = coupling.knowledge() == OutputLengthKnowledge.ORACLE ? null
                : new OutputLengthEstimator(coupling.knowledge());
    }

    /** The output length the dispatcher counts for a request: its true one for the oracle, else its estimate. */
    int countedOutput(WorkloadRequest wr) {
        if (estimator == null) {
            return wr.outputTokens();
        }
        // the simulated clients set no max_tokens: the dispatcher counts the default, or its prediction
        return estimator.expected(DecodeSimulation.MODEL, wr.promptTokens(), InferenceRequest.DEFAULT_OUTPUT_TOKENS, false);
    }

    /** A cycle's prefill decisions: as the live dispatch loop, they enter the decode strategy together. */
    void decide(List<Assignment> prefillDecisions) {
        for (Assignment a : prefillDecisions) {
            dispatcher.arrive(a.request());
        }
        dispatcher.signalled();
    }

    /** Request {@code i}'s prefill ended {@code at}; its KV can move once its decode unit is chosen. */
    void prefillEnded(int i, long at) {
        prefilled++;
        prefillEndAt[i] = at;
        handOver(i);
    }

    /** Whether requests whose first token came have not finished their decode. */
    boolean decodesLeft() {
        return decoded < prefilled;
    }

    Stats tpotMs() {
        return tpotMs.stats();
    }

    Stats queueMs() {
        return queueMs.stats();
    }

    private void send(List<Assignment> assignments) {
        long now = events.now();
        for (Assignment a : assignments) {
            int i = (int) a.request().id();
            cluster.recordDispatchLatency(Phase.DECODE, dispatchLatency);
            decidedAt[i] = now;
            instance[i] = DecodeInstance.indexOf(a.unit().instanceId());
            rank[i] = a.unit().dpRank();
            expectedKv[i] = a.request().totalTokens();
            handOver(i);
        }
    }

    /**
     * Once request {@code i} has both its prefill done and its decode unit chosen, its KV moves: the decode
     * server got the request {@code dispatchLatency} after the decision and pulls the KV when the prefill
     * ends, which takes {@code kvTransfer}.
     */
    private void handOver(int i) {
        if (prefillEndAt[i] < 0 || decidedAt[i] < 0) {
            return;
        }
        long at = Math.max(prefillEndAt[i], decidedAt[i] + dispatchLatency) + kvTransfer;
        WorkloadRequest wr = config.workload().get(i);
        InferenceRequest truth = new InferenceRequest(i, wr.promptTokens(), wr.outputTokens(), at);
        DecodeInstance inst = instances.get(instance[i]);
        int r = rank[i];
        long expected = expectedKv[i];
        events.schedule(at, () -> inst.receive(truth, r, expected));
    }

    private void decodeFinished(InferenceRequest truth, DpUnitId unit, long startedAt) {
        long now = events.now();
        int i = (int) truth.id();
        decoded++;
        if (config.workload().get(i).arrivalNanos() >= config.warmupNanos()) {
            tpotMs.add((now - startedAt) / (double) MS / truth.outputTokens());
            queueMs.add((startedAt - truth.arrivalNanos()) / (double) MS);
        }
        events.schedule(now + signalLatency, () -> {
            cluster.onDecodeCompleted(unit);
            if (estimator != null) {
                estimator.finished(DecodeSimulation.MODEL, truth.promptTokens(), truth.outputTokens());
            }
            dispatcher.signalled();
        });
    }
}
