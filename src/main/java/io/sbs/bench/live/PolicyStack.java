package io.sbs.bench.live;

import io.sbs.bench.http.Dispatcher;
import java.util.ArrayList;
import java.util.List;

/** One policy's own engines and dispatcher in {@link LiveBench}, up from the start of the run to its end. */
record PolicyStack(String policy, EngineProcesses engines, Dispatcher dispatcher) implements AutoCloseable {

    String url() {
        return "http://127.0.0.1:" + dispatcher.port();
    }

    List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>(engines.processes());
        all.add(dispatcher.process());
        return all;
    }

    @Override
    public void close() {
        try (EngineProcesses e = engines) {
            dispatcher.close();
        }
    }
}
