-- Runs after fence.lua, which the service prepends: KEYS[1] is the lease, ARGV[1] and ARGV[2] the writer.
-- Replaces the operators' instance state (registered, drained and removed instances): fenced (only the
-- lease holder at its epoch), versioned (only if the caller saw the current version) and audited (the
-- whole document goes to the head of the history, capped), as policy-replace.lua does for the policy.
-- KEYS[1] lease hash; KEYS[2] current document; KEYS[3] its version; KEYS[4] history list
-- ARGV[1] node id; ARGV[2] epoch; ARGV[3] expected version; ARGV[4] the new document (JSON, carrying
-- version ARGV[3] + 1); ARGV[5] history length kept
-- Returns the new version, or the errors FENCED and CONFLICT <current version>.
local version = tonumber(redis.call('GET', KEYS[3]) or '0')
if version ~= tonumber(ARGV[3]) then
  return redis.error_reply('CONFLICT ' .. version)
end
redis.call('SET', KEYS[2], ARGV[4])
redis.call('SET', KEYS[3], version + 1)
redis.call('LPUSH', KEYS[4], ARGV[4])
redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[5]) - 1)
return version + 1
