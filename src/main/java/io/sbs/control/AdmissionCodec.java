package io.sbs.control;

import io.sbs.core.DpUnitId;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The one encoder and decoder of {@link AdmissionMessage}s: a line of space-separated fields that opens
 * with the format's version, then the kind, then the kind's fields ({@code 1 assign <entry> <epoch>
 * <instance> <rank> [<decodeInstance> <decodeRank>]}, {@code 1 prefill-done <entry> <epoch>
 * [first-token]}, {@code 1 accepted}, {@code 1 end-forward <payload to the end of the line>}). Entry and
 * instance ids hold no space (Redis stream ids, and instance ids a URL path takes).
 *
 * <p>Failure handling: a message of another version, or one that does not parse, is logged, counted
 * ({@link #rejected()}) and dropped: {@link #decode} never throws, so one bad message cannot end the
 * subscription that carried it. A node of another version is then heard as silent, which the protocol
 * already survives (notices are at most once; assignments are read back from the store).
 */
final class AdmissionCodec {

    /** The version this build writes and reads. */
    static final int VERSION = 1;

    private static final String ACCEPTED = "accepted";
    private static final String PREFILL_DONE = "prefill-done";
    private static final String FIRST_TOKEN = "first-token";
    private static final String END_FORWARD = "end-forward";
    private static final String ASSIGN = "assign";

    private final AtomicLong rejected = new AtomicLong();

    String encode(AdmissionMessage message) {
        StringBuilder text = new StringBuilder().append(VERSION).append(' ');
        if (message instanceof AdmissionMessage.Accepted) {
            text.append(ACCEPTED);
        } else if (message instanceof AdmissionMessage.PrefillDone p) {
            text.append(PREFILL_DONE).append(' ').append(p.entryId()).append(' ').append(p.epoch());
            if (p.firstToken()) {
                text.append(' ').append(FIRST_TOKEN);
            }
        } else if (message instanceof AdmissionMessage.EndForward e) {
            text.append(END_FORWARD).append(' ').append(e.payload());
        } else if (message instanceof AdmissionMessage.Assignment a) {
            text.append(ASSIGN).append(' ').append(a.entryId()).append(' ').append(a.epoch()).append(' ')
                    .append(a.unit().instanceId()).append(' ').append(a.unit().dpRank());
            DpUnitId decode = a.decodeUnit();
            if (decode != null) {
                text.append(' ').append(decode.instanceId()).append(' ').append(decode.dpRank());
            }
        }
        return text.toString();
    }

    /** The message {@code text} carries; {@code null} (logged and counted) for another version or a malformed one. */
    @Nullable AdmissionMessage decode(String text) {
        String why = "malformed";
        try {
            AdmissionMessage m = parse(text);
            if (m != null) {
                return m;
            }
        } catch (OtherVersion e) {
            why = e.getMessage();
        } catch (RuntimeException e) {
            // a number that is not one, a negative rank: malformed
        }
        reject(text, why);
        return null;
    }

    /** Messages dropped since start: of another version, or malformed. */
    long rejected() {
        return rejected.get();
    }

    private @Nullable AdmissionMessage parse(String text) {
        String[] head = text.split(" ", 3);
        if (head.length < 2) {
            return null;
        }
        int version = Integer.parseInt(head[0]);
        if (version != VERSION) {
            throw new OtherVersion("version " + version + ", this node reads " + VERSION);
        }
        String rest = head.length == 3 ? head[2] : "";
        if (head[1].equals(END_FORWARD)) {
            return new AdmissionMessage.EndForward(rest); // relayed as the engine sent it, whatever it holds
        }
        String[] f = rest.isEmpty() ? new String[0] : rest.split(" ", -1);
        return switch (head[1]) {
            case ACCEPTED -> f.length == 0 ? new AdmissionMessage.Accepted() : null;
            case PREFILL_DONE -> (f.length == 2 || (f.length == 3 && f[2].equals(FIRST_TOKEN)))
                    ? new AdmissionMessage.PrefillDone(id(f[0]), Long.parseLong(f[1]), f.length == 3) : null;
            case ASSIGN -> f.length == 4 || f.length == 6
                    ? new AdmissionMessage.Assignment(id(f[0]), Long.parseLong(f[1]), unit(f[2], f[3]),
                            f.length == 6 ? unit(f[4], f[5]) : null)
                    : null;
            default -> null;
        };
    }

    private static String id(String field) {
        if (field.isEmpty()) {
            throw new IllegalArgumentException("empty id");
        }
        return field;
    }

    private static DpUnitId unit(String instance, String rank) {
        return new DpUnitId(id(instance), Integer.parseInt(rank));
    }

    /** A message of a format version this node does not read. */
    private static final class OtherVersion extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OtherVersion(String message) {
            super(message, null, false, false);
        }
    }

    private void reject(String text, String why) {
        long n = rejected.incrementAndGet();
        String shown = text.length() > 120 ? text.substring(0, 120) + "..." : text;
        SharedContext.log.warn("shared admission: dropped a message ({}; {} so far): {}", why, n, shown);
    }
}
