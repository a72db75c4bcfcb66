import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';

export const REDIS = Symbol('REDIS');

/**
 * One shared client for counters, health and limiter storage (BullMQ opens its own connections). With
 * REDIS_CLUSTER_NODES it is an ioredis Cluster: its command API is the one gus uses of Redis, and every
 * multi-key script's keys share a hash tag (see keyTag), so it is typed as Redis for the callers.
 */
export function createRedis(config: AppConfig): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false };
  const redis = config.redisClusterNodes
    ? (new Cluster(config.redisClusterNodes, { redisOptions: { ...options, ...credentials(config) } }) as unknown as Redis)
    : new Redis(config.redisUrl!, options);
  redis.on('error', () => undefined); // reconnects on its own; health/ready reports the outage
  pipelineWhileAwaitingReplies(redis);
  return redis;
}

/**
 * ioredis's auto-pipelining, only while earlier commands still await their replies. Under load that is most of
 * the time, and the commands a turn of the event loop issues leave in one write instead of one each (about 10 %
 * less CPU per turn at 64 concurrent turns, bench/README.md). On an idle connection a command is written at once,
 * as without it: gathering would only put off the one command until the next turn of the loop. ioredis reads the
 * option on every command, so a getter decides it per command.
 */
export function pipelineWhileAwaitingReplies(redis: Redis | Cluster): void {
  const awaiting =
    redis instanceof Cluster ? (): boolean => redis.nodes('master').some((node) => node.commandQueue.length > 0) : (): boolean => redis.commandQueue.length > 0;
  // Not enumerable: duplicate() spreads the options, and a copy (a subscriber, a blocking read) keeps ioredis's default.
  Object.defineProperty(redis.options, 'enableAutoPipelining', { get: awaiting, enumerable: false, configurable: true });
}

/** BullMQ's connection: options for a single server, a Cluster instance for a cluster (BullMQ duplicates it for workers). */
export function bullConnection(config: AppConfig): ConnectionOptions {
  if (config.redisClusterNodes) {
    const cluster = new Cluster(config.redisClusterNodes, { redisOptions: { maxRetriesPerRequest: null, ...credentials(config) } });
    cluster.on('error', () => undefined);
    return cluster;
  }
  return { url: config.redisUrl, maxRetriesPerRequest: null };
}

/**
 * BullMQ keys are `{prefix}:queue:…`: the braces are a hash tag, so on a Redis Cluster every key of every
 * queue lives in one slot, as BullMQ's Lua scripts need. The same on a single server, so the layout never changes.
 */
export const bullPrefix = (config: AppConfig): string => keyTag(config.redisPrefix);

/** `{prefix}`: keys that start with it hash to the same Redis Cluster slot. */
export const keyTag = (prefix: string): string => `{${prefix}}`;

/** Credentials and TLS for cluster nodes come from REDIS_URL when it is set beside REDIS_CLUSTER_NODES. */
function credentials(config: AppConfig): RedisOptions {
  if (!config.redisUrl) return {};
  const url = new URL(config.redisUrl);
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Where the Redis is, for the start-up log (no credentials). */
export function describeRedis(config: AppConfig): string {
  if (config.redisClusterNodes) return `Redis Cluster (${config.redisClusterNodes.map((node) => `${node.host}:${node.port}`).join(', ')})`;
  const url = new URL(config.redisUrl!);
  return `Redis at ${url.hostname}:${url.port || 6379}`;
}
