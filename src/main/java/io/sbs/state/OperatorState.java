package io.sbs.state;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What operators changed about the instances at run time (the admin API's register, drain, resume and
 * remove), as stored, versioned and audited in the {@link ClusterStateStore}: one whole document per
 * version, so every node, a standby that takes over or a node that restarts, reaches the same instances by
 * applying the current one to its configuration. The other run-time change, the policy (and with it the
 * interval override), is the {@link PolicyRecord}.
 *
 * @param version     1 for the first change stored, then one more per change; 0 for {@link #NONE}
 * @param registered  instances registered over the API and not removed since, in registration order
 * @param removed     configured instances an operator removed
 * @param draining    instances draining now, configured or registered
 * @param actor       who made the change
 * @param action      what the change was
 * @param instanceId  the instance it was about
 * @param changedAtMs wall-clock time of the change, epoch milliseconds (for the audit trail only)
 * @param epoch       the leader epoch the change was made at
 */
public record OperatorState(long version, List<Instance> registered, List<String> removed, List<String> draining,
        String actor, Action action, String instanceId, long changedAtMs, long epoch) {

    /** Nothing changed yet: the configured instances, none draining. */
    public static final OperatorState NONE = new OperatorState(0, List.of(), List.of(), List.of(), "startup",
            Action.NONE, "", 0, 0);

    /** An operator's change of one instance. */
    public enum Action {
        NONE, REGISTER, DRAIN, RESUME, REMOVE
    }

    /**
     * An instance as registered: the fields of {@code sbs.instances[i].*}, which is how every node builds
     * its engine client from it.
     */
    public record Instance(String id, String url, String kind, String role, int dpUnits, int chunkTokens,
            long kvCapacityTokens, int bootstrapPort) {
    }

    public OperatorState {
        registered = List.copyOf(registered);
        removed = List.copyOf(removed);
        draining = List.copyOf(draining);
    }

    /** The registered instance {@code id}; null when {@code id} is configured or unknown. */
    public @Nullable Instance registeredInstance(String id) {
        return registered.stream().filter(i -> i.id().equals(id)).findFirst().orElse(null);
    }

    /** The next state after registering {@code instance}: it takes requests (not draining). */
    public OperatorState register(Instance instance, String by) {
        List<Instance> r = new ArrayList<>(registered);
        r.removeIf(i -> i.id().equals(instance.id()));
        r.add(instance);
        return next(r, removed, without(draining, instance.id()), by, Action.REGISTER, instance.id());
    }

    /** The next state after removing {@code id}, a registered or a configured instance. */
    public OperatorState remove(String id, String by) {
        List<Instance> r = new ArrayList<>(registered);
        boolean wasRegistered = r.removeIf(i -> i.id().equals(id));
        List<String> gone = wasRegistered ? removed : with(removed, id);
        return next(r, gone, without(draining, id), by, Action.REMOVE, id);
    }

    /** The next state after draining {@code id} or taking it back. */
    public OperatorState drain(String id, boolean drains, String by) {
        return next(registered, removed, drains ? with(draining, id) : without(draining, id), by,
                drains ? Action.DRAIN : Action.RESUME, id);
    }

    private OperatorState next(List<Instance> r, List<String> gone, List<String> drains, String by, Action a,
            String id) {
        // the store stamps version, time and epoch when it takes the change
        return new OperatorState(version, r, gone, drains, by, a, id, 0, 0);
    }

    /** This state as the store keeps it: its version, time and the writer's epoch. */
    public OperatorState stored(long storedVersion, long atMs, long atEpoch) {
        return new OperatorState(storedVersion, registered, removed, draining, actor, action, instanceId, atMs,
                atEpoch);
    }

    private static List<String> with(List<String> ids, String id) {
        Set<String> s = new LinkedHashSet<>(ids);
        s.add(id);
        return List.copyOf(s);
    }

    private static List<String> without(List<String> ids, String id) {
        return ids.stream().filter(i -> !i.equals(id)).toList();
    }
}
