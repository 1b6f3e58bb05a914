/** One seed of a Redis Cluster. */
export interface RedisNode {
  host: string;
  port: number;
}

const NODE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/**
 * Parses `REDIS_CLUSTER_NODES`: comma-separated `host:port` seeds (`[::1]:7000` for IPv6); blank is
 * no cluster. Throws a message naming the bad entry's position, never its text.
 *
 * @example
 * parseRedisClusterNodes('10.0.0.1:7000, 10.0.0.2:7000') // [{ host: '10.0.0.1', port: 7000 }, …]
 */
export function parseRedisClusterNodes(raw: string): RedisNode[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry, i) => {
    const match = NODE.exec(entry);
    const port = Number(match?.[2]);
    if (!match?.[1] || !(port >= 1 && port <= 65_535)) {
      throw new Error(`entry ${i + 1} is not host:port (a port from 1 to 65535)`);
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}
