package io.sbs.chaos;

import io.sbs.tools.Ports;
import io.sbs.tools.ProcessGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One {@code redis-server}, {@code --save "" --appendonly no}: the store's contents matter only during the drill. */
final class StandaloneRedis extends RedisProcesses {

    private StandaloneRedis(ProcessGroup group, Path dir) {
        super(group, dir);
    }

    static StandaloneRedis start(ProcessGroup group, Path dir) throws IOException, InterruptedException {
        StandaloneRedis r = new StandaloneRedis(group, dir);
        try {
            int port = Ports.free();
            Path data = Files.createDirectories(dir.resolve("redis-0"));
            r.servers.add(new Node("redis-0", port, List.of("redis-server", "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", data.toString())));
            r.start(r.servers.get(0));
            return r;
        } catch (RuntimeException | IOException | InterruptedException e) {
            r.close();
            throw e;
        }
    }

    @Override
    List<String> dispatcherArguments() {
        return List.of("--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + servers.get(0).port);
    }

    /** The only server. */
    @Override
    int masterPort() {
        return servers.get(0).port;
    }
}
