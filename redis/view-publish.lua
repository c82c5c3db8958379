-- Runs after fence.lua, which the service prepends: KEYS[1] is the lease, ARGV[1] and ARGV[2] the writer.
-- The leader publishes its view of the cluster (DP-unit state, readiness, interval) for the standby's reads
-- and dashboard, and appends a small interval sample (Δ, T̄_fwd, N per phase) to the interval history.
-- KEYS[1] lease hash; KEYS[2] current view; KEYS[3] interval history list
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3] the view (JSON); ARGV[4] the sample (JSON); ARGV[5] history length
redis.call('SET', KEYS[2], ARGV[3])
redis.call('LPUSH', KEYS[3], ARGV[4])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
return 1
