package io.sbs.errors;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.util.DisconnectedClientHelper;
import reactor.core.publisher.Hooks;

/**
 * What Reactor does with an error that arrives when nothing listens any more. Reactor Netty delivers a
 * stalled body's read timeout once to the request's reader, which answers it 408, and once more after that
 * answer, to no one; Reactor's default then logs "Operator called default onErrorDropped" at ERROR, so any
 * client that stops sending mid-body wrote an ERROR line into the dispatcher's log. A client's mistake or
 * departure dropped this way is logged at DEBUG; anything else keeps Reactor's ERROR line with its trace.
 */
public final class DroppedErrors {

    private static final Logger log = LoggerFactory.getLogger(DroppedErrors.class);
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private DroppedErrors() {
    }

    /** Installs the hook once per JVM: Reactor's hooks are global and compose, so a second would log twice. */
    public static void install() {
        if (INSTALLED.compareAndSet(false, true)) {
            Hooks.onErrorDropped(DroppedErrors::dropped);
        }
    }

    static void dropped(Throwable e) {
        if (ClientErrors.isClientMistake(e) || DisconnectedClientHelper.isClientDisconnectedException(e)) {
            log.debug("a client's error arrived after its answer and was dropped: {}", e.toString());
        } else {
            log.error("Operator called default onErrorDropped", e);
        }
    }
}
