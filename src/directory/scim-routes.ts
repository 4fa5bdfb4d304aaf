/**
 * `/scim/v2`: SCIM 2.0 (RFC 7643 / 7644) Users, Groups, ServiceProviderConfig, Schemas and
 * ResourceTypes on scimmy and scimmy-routers. SCIMMY keeps its resource declarations in one
 * module-wide registry, so the handlers declared here are process-wide and find the directory
 * and audit trail of the regent that received the request through the request context; several
 * regents in one process (tests) each keep their own directory.
 *
 * Every change is durable in the directory store and then an admin record in the audit trail
 * (`scim.user.create|update|delete`, `scim.group.*`) before the 2xx is sent.
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { recordAdmin, type AdminTrail } from '../http/admin-audit.ts';
import type { Directory } from './directory.ts';
import { GOVERNANCE_SCHEMA, members } from './snapshot.ts';
import type { DirectoryRecord, DirectoryWrite, ResourceKind } from './store.ts';

/** What the SCIM handlers need from the regent that received the request. */
export interface ScimContext {
  directory: Directory;
  trail: AdminTrail;
  req: Request;
}

type Doc = Record<string, unknown>;

/** The part of a SCIMMY resource class used here (its published types are narrower than its runtime). */
interface ScimResourceClass {
  extend(schema: unknown, required: boolean): void;
  ingress(handler: (resource: ScimResource, instance: unknown, ctx: ScimContext) => Promise<Doc>): ScimResourceClass;
  egress(handler: (resource: ScimResource, ctx: ScimContext) => Doc | Doc[]): ScimResourceClass;
  degress(handler: (resource: ScimResource, ctx: ScimContext) => Promise<void>): ScimResourceClass;
}

/** The request-scoped resource SCIMMY hands a handler. */
interface ScimResource {
  id?: string;
  filter?: unknown;
}

let declared = false;

/** Declares Users (with regent's governance extension) and Groups in SCIMMY, once per process. */
function declareResources(): void {
  if (declared) return;
  declared = true;
  const governance = new SCIMMY.Types.SchemaDefinition(
    'RegentGovernance',
    GOVERNANCE_SCHEMA,
    "regent's governance attributes of a user: the clearance for data classifications",
    [
      new SCIMMY.Types.Attribute('string', 'clearance', {
        description:
          "Highest data classification the user is cleared for (a name of the catalogue's classifications; any other is ignored)",
      }),
    ],
  );
  // SCIMMY gives these two `type` sub-attributes an empty list of canonical values, so it refuses
  // every value; RFC 7643 lists none for them. Left out, they are not advertised or accepted.
  SCIMMY.Schemas.User.definition.truncate('roles.type', 'x509Certificates.type');
  SCIMMY.Resources.declare(SCIMMY.Resources.User);
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
  const users = SCIMMY.Resources.User as unknown as ScimResourceClass;
  users.extend(governance, false);
  for (const [kind, resource] of [
    ['User', users],
    ['Group', SCIMMY.Resources.Group as unknown as ScimResourceClass],
  ] as const) {
    resource
      .ingress((r, instance, ctx) => ingress(ctx, kind, r.id, plain(instance)))
      .egress((r, ctx) => egress(ctx, kind, r.id, r.filter))
      .degress((r, ctx) => degress(ctx, kind, r.id));
  }
}

/** The SCIM router, to mount at `/scim/v2` behind the `scim` scope. */
export function scimRoutes(directory: Directory, trail: AdminTrail): RequestHandler[] {
  declareResources();
  const routers = new SCIMMYRouters({
    type: 'bearer',
    // authorize (src/http/middleware/authorize.ts) has already checked the `scim` scope.
    handler: () => undefined as unknown as string,
    context: (req: Request): ScimContext => ({ directory, trail, req }),
    baseUri: (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`,
  });
  // Bulk is not offered: one change, one record, one answer. (SCIMMYRouters turns it on.)
  SCIMMY.Config.set({ bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 } });
  // The same parser scimmy-routers mounts (it skips a body already read), so patches can be rewritten.
  const body = express.json({ type: ['application/scim+json', 'application/json'], limit: '1mb' });
  return [pinQuery, readOnlyDiscovery, body, extensionPatches, alwaysSchemas(directory), routers];
}

/**
 * express 5 parses `req.query` again on every read, so scimmy-routers' conversion of
 * `startIndex` and `count` to numbers would be lost (and paging ignored): pin one parsed copy.
 */
const pinQuery: RequestHandler = (req, _res, next) => {
  const query = { ...(req.query as Record<string, unknown>) };
  Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  next();
};

/** The discovery endpoints are read-only: any other method is 405 (RFC 7644 section 4), not 404. */
const readOnlyDiscovery: RequestHandler = (req, res, next) => {
  const first = req.path.split('/')[1] ?? '';
  if (!['ServiceProviderConfig', 'ResourceTypes', 'Schemas'].includes(first) || req.method === 'GET') {
    next();
    return;
  }
  res
    .status(405)
    .set('allow', 'GET')
    .type('application/scim+json')
    .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '405', detail: 'Method Not Allowed' });
};

/**
 * SCIMMY cannot patch an extension as a whole (`path` the extension's URN, or no path and the URN
 * as a key of the value: "object is not extensible"); the same change, one sub-attribute per
 * operation, it can. Rewrites those operations before SCIMMY sees them.
 */
const extensionPatches: RequestHandler = (req, _res, next) => {
  const ops = (req.body as { Operations?: unknown } | undefined)?.Operations;
  if (req.method === 'PATCH' && Array.isArray(ops))
    (req.body as { Operations: unknown[] }).Operations = ops.flatMap(splitExtensionOp);
  next();
};

/**
 * `schemas` is returned always (RFC 7643 section 3), but SCIMMY drops it when `attributes` names
 * others: put it back on each resource answered, from what the directory knows the id to be.
 */
function alwaysSchemas(directory: Directory): RequestHandler {
  const schemasOf = (doc: Doc): string[] | undefined => {
    if (typeof doc['id'] !== 'string') return undefined;
    if (directory.get('Group', doc['id']) !== undefined) return ['urn:ietf:params:scim:schemas:core:2.0:Group'];
    if (directory.get('User', doc['id']) === undefined) return undefined;
    const user = ['urn:ietf:params:scim:schemas:core:2.0:User'];
    return doc[GOVERNANCE_SCHEMA] === undefined ? user : [...user, GOVERNANCE_SCHEMA];
  };
  const fix = (doc: unknown): unknown => {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
    const d = doc as Doc;
    if (Array.isArray(d['Resources'])) return { ...d, Resources: d['Resources'].map(fix) };
    if (d['schemas'] !== undefined) return d;
    const schemas = schemasOf(d);
    return schemas === undefined ? d : { schemas, ...d };
  };
  return (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(fix(plain(body ?? null)));
    next();
  };
}

function splitExtensionOp(op: unknown): unknown[] {
  if (op === null || typeof op !== 'object') return [op];
  const { op: verb, path, value } = op as { op?: unknown; path?: unknown; value?: unknown };
  const isObject = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);
  const perAttribute = (ext: Doc) =>
    Object.entries(ext)
      .filter(([k]) => k !== 'schemas')
      .map(([k, v]) => ({ op: verb, path: `${GOVERNANCE_SCHEMA}:${k}`, value: v }));
  if (path === GOVERNANCE_SCHEMA && verb === 'remove') return [{ op: verb, path: `${GOVERNANCE_SCHEMA}:clearance` }];
  if (path === GOVERNANCE_SCHEMA && isObject(value)) return perAttribute(value);
  if (path === undefined && isObject(value) && isObject(value[GOVERNANCE_SCHEMA])) {
    const { [GOVERNANCE_SCHEMA]: ext, ...rest } = value;
    const split = perAttribute(ext);
    return Object.keys(rest).length > 0 ? [{ op: verb, value: rest }, ...split] : split;
  }
  return [op];
}

function plain(instance: unknown): Doc {
  return JSON.parse(JSON.stringify(instance)) as Doc;
}

function scimError(status: number, scimType: string | null, message: string): Error {
  return new SCIMMY.Types.Error(status, scimType as string, message);
}

function egress(ctx: ScimContext, kind: ResourceKind, id: string | undefined, filter: unknown): Doc | Doc[] {
  const view = (r: DirectoryRecord) => present(ctx.directory, r);
  if (id !== undefined) {
    const record = ctx.directory.get(kind, id);
    if (record === undefined) throw scimError(404, null, `Resource ${id} not found`);
    return view(record);
  }
  const all = ctx.directory.snapshot.live(kind).map(view);
  const f = filter as { match?: (values: Doc[]) => Doc[] } | undefined;
  return typeof f?.match === 'function' ? f.match(all) : all;
}

/** The document as SCIM answers it: stored attributes plus meta, and a user's groups. */
function present(directory: Directory, r: DirectoryRecord): Doc {
  const doc: Doc = { ...r.doc, id: r.id };
  if (r.kind === 'User') {
    const groups = directory.snapshot
      .live('Group')
      .filter((g) => members(g.doc).includes(r.id))
      .map((g) => ({ value: g.id, display: g.doc['displayName'], type: 'direct' }));
    if (groups.length > 0) doc['groups'] = groups;
  }
  return doc;
}

async function ingress(ctx: ScimContext, kind: ResourceKind, id: string | undefined, input: Doc): Promise<Doc> {
  await ctx.trail.ready();
  const now = new Date().toISOString();
  const { record, before } = await ctx.directory.change(() => {
    const prior = id === undefined ? undefined : ctx.directory.get(kind, id);
    if (id !== undefined && prior === undefined) throw scimError(404, null, `Resource ${id} not found`);
    const { groups: _derived, meta: _meta, id: _id, schemas: _schemas, ...attributes } = input;
    unique(ctx.directory, kind, attributes, id);
    const created = (prior?.doc['meta'] as Doc | undefined)?.['created'] ?? now;
    const write: DirectoryWrite = {
      kind,
      id: id ?? randomUUID(),
      doc: { ...attributes, meta: { resourceType: kind, created, lastModified: now } },
      deleted: false,
    };
    return { writes: [write], result: { record: { ...write, version: 0 }, before: prior } };
  });
  await recordAdmin(
    ctx.req,
    `scim.${kind.toLowerCase()}.${before === undefined ? 'create' : 'update'}`,
    { kind: kind.toLowerCase(), id: record.id },
    'success',
    details(record, before),
  );
  return present(ctx.directory, { ...record, version: 0 });
}

async function degress(ctx: ScimContext, kind: ResourceKind, id: string | undefined): Promise<void> {
  if (id === undefined) throw scimError(404, null, 'Resource not found');
  await ctx.trail.ready();
  const prior = await ctx.directory.change(() => {
    const record = ctx.directory.get(kind, id);
    if (record === undefined) throw scimError(404, null, `Resource ${id} not found`);
    const writes: DirectoryWrite[] = [{ kind, id, doc: record.doc, deleted: true }];
    // A deleted user leaves every group it was in.
    if (kind === 'User') {
      for (const g of ctx.directory.snapshot.live('Group')) {
        if (!members(g.doc).includes(id)) continue;
        const kept = (g.doc['members'] as Doc[]).filter((m) => m['value'] !== id);
        writes.push({ kind: 'Group', id: g.id, doc: { ...g.doc, members: kept }, deleted: false });
      }
    }
    return { writes, result: record };
  });
  await recordAdmin(
    ctx.req,
    `scim.${kind.toLowerCase()}.delete`,
    { kind: kind.toLowerCase(), id },
    'success',
    details({ ...prior, deleted: true }, prior),
  );
}

/** userName (case-insensitive) among live users, displayName among live groups, must be unique. */
function unique(directory: Directory, kind: ResourceKind, doc: Doc, self: string | undefined): void {
  const key = kind === 'User' ? 'userName' : 'displayName';
  const value = doc[key];
  if (typeof value !== 'string') return;
  const clash = directory.snapshot
    .live(kind)
    .some((r) => r.id !== self && String(r.doc[key]).toLowerCase() === value.toLowerCase());
  if (clash) throw scimError(409, 'uniqueness', `${key} "${value}" is already taken`);
}

/** Small string facts for the admin record: who, active, clearance, membership changes. */
function details(after: DirectoryWrite, before: DirectoryRecord | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const clip = (s: string) => s.slice(0, 256);
  if (after.kind === 'User') {
    if (typeof after.doc['userName'] === 'string') out['user_name'] = clip(after.doc['userName']);
    out['active'] = String(!after.deleted && after.doc['active'] !== false);
    const ext = after.doc[GOVERNANCE_SCHEMA] as Doc | undefined;
    if (typeof ext?.['clearance'] === 'string') out['clearance'] = clip(ext['clearance']);
    if (before !== undefined && before.doc['active'] !== after.doc['active'] && !after.deleted)
      out['active_changed'] = 'true';
  } else {
    if (typeof after.doc['displayName'] === 'string') out['display_name'] = clip(after.doc['displayName']);
    const now = new Set(after.deleted ? [] : members(after.doc));
    const then = new Set(before === undefined ? [] : members(before.doc));
    const added = [...now].filter((m) => !then.has(m));
    const removed = [...then].filter((m) => !now.has(m));
    out['members'] = String(now.size);
    if (added.length > 0) out['members_added'] = clip(added.join(','));
    if (removed.length > 0) out['members_removed'] = clip(removed.join(','));
  }
  return out;
}
