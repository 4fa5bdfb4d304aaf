/**
 * OPA's EditTree (internal/edittree/edittree.go at v1.22.2), which json.patch applies its
 * operations to, ported function by function, because its answers are OPA's answers, quirks
 * included:
 * - Sets are content-addressed: a set node is collapsed (rendered) before a composite key is
 *   looked up, inserted or deleted; an inserted element must equal its key.
 * - Arrays track inserted positions and eliminated original elements in two bit vectors. Reaching
 *   into an array element that is still an original one takes the element at that index of the
 *   ORIGINAL array and puts it in place of the current one (`["a","b"]` patched with add `/0` then
 *   test `/1` becomes `["z","b","b"]` in OPA, and here).
 * - Where Go dereferences a nil node or writes to a nil map (a patch reaching beneath a set
 *   element it removed, or editing inside the document after removing the whole document), OPA's
 *   process panics; here the call fails with {@link EditTreePanic}.
 * Go's hash maps with linear probing become Maps keyed by regoKey (equal keys, equal strings);
 * arrays are keyed by index as in Go. Deletion markers (Go's nil values) are {@link DELETED}.
 */
import {
  RegoNumber,
  RegoObject,
  RegoSet,
  isComposite,
  isRegoArray,
  numberToInt,
  regoEqual,
  regoKey,
  regoString,
  type RegoValue,
} from './rego-value.ts';

/** Where OPA's Go code would panic (nil dereference, write to a nil map): no answer to copy. */
export class EditTreePanic extends Error {
  constructor(what: string) {
    super(`OPA's evaluator panics here (${what}); regent refuses the patch`);
    this.name = 'EditTreePanic';
  }
}

const DELETED = Symbol('deleted');
type Deleted = typeof DELETED;
type Key = string | number;

function put<V>(map: Map<Key, V> | undefined, key: Key, value: V): void {
  if (map === undefined) throw new EditTreePanic('assignment to entry in nil map');
  map.set(key, value);
}

function drop(map: Map<Key, unknown> | undefined, key: Key): void {
  map?.delete(key);
}

/** Go's `Value.Find` with a one-term path: the child of a composite at `key`, or undefined. */
function findChild(value: RegoValue, key: RegoValue): RegoValue | undefined {
  if (value instanceof RegoObject) return value.get(key);
  if (value instanceof RegoSet) return value.has(key) ? key : undefined;
  if (isRegoArray(value)) {
    if (!(key instanceof RegoNumber)) return undefined;
    const i = numberToInt(key.text);
    if (i === undefined || i < 0n || i >= BigInt(value.length)) return undefined;
    return value[Number(i)];
  }
  return undefined;
}

/** OPA's toIndex: an array index from a number or a string path segment (`-` is the end). */
function toIndex(arrayLength: number, key: RegoValue): number {
  let i: bigint | undefined;
  if (key instanceof RegoNumber) {
    i = numberToInt(key.text);
    if (i === undefined) throw new Error('invalid number type for indexing');
  } else if (typeof key === 'string') {
    if (key === '-') return arrayLength;
    i = numberToInt(key);
    if (i === undefined) throw new Error('invalid string for indexing');
    if (key !== '0' && key.startsWith('0')) throw new Error('leading zeros are not allowed in JSON paths');
  } else {
    throw new Error('invalid type for indexing');
  }
  // Past 2^53 is beyond any array either way; the callers' bounds checks reject it as Go's do.
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(i > limit ? limit : i < -limit ? -limit : i);
}

/** A one-term Ref as Go's `%v` prints it: a string head unquoted. */
function refString(term: RegoValue): string {
  return typeof term === 'string' ? term : regoString(term);
}

/** A scalar as Go's `%v (type: %T)` prints it. */
function typed(value: RegoValue): string {
  const type =
    value === null ? 'Null' : typeof value === 'boolean' ? 'Boolean' : typeof value === 'string' ? 'String' : 'Number';
  return `${regoString(value)} (type: ast.${type})`;
}

/** One node of the tree: a value (or a deleted one) and the edits made beneath it. */
export class EditTree {
  value: RegoValue | Deleted;
  childKeys: Map<Key, RegoValue> | undefined;
  childScalarValues: Map<Key, RegoValue | Deleted> | undefined;
  childCompositeValues: Map<Key, EditTree | Deleted> | undefined;
  eliminated: number[] = [];
  insertions: number[] = [];

  constructor(value: RegoValue) {
    this.value = value;
    if (value instanceof RegoObject || value instanceof RegoSet) {
      this.childKeys = new Map();
      this.childScalarValues = new Map();
      this.childCompositeValues = new Map();
    } else if (isRegoArray(value)) {
      this.childScalarValues = new Map();
      this.childCompositeValues = new Map();
      this.eliminated = new Array<number>(value.length).fill(0);
      this.insertions = new Array<number>(value.length).fill(0);
    }
  }

  private live(): RegoValue {
    if (this.value === DELETED) throw new EditTreePanic('nil pointer dereference');
    return this.value;
  }

  /** Only for set nodes, whose value is never deleted. */
  private collapse(): void {
    this.value = this.render() ?? DELETED;
    this.childKeys?.clear();
    this.childScalarValues?.clear();
    this.childCompositeValues?.clear();
  }

  private keyOf(key: RegoValue): { hash: string; found: boolean } {
    const hash = regoKey(key);
    return { hash, found: this.childKeys?.has(hash) ?? false };
  }

  private deleteChildValue(hash: Key): void {
    drop(this.childScalarValues, hash);
    drop(this.childCompositeValues, hash);
  }

  /** Creates (or replaces) the child at `key`; returns the child node. */
  insert(key: RegoValue, value: RegoValue): EditTree {
    const current = this.value;
    if (current === DELETED) throw new Error('deleted node encountered during insert operation');
    if (current instanceof RegoObject) return this.insertKeyed(key, value);
    if (current instanceof RegoSet) {
      if (!regoEqual(key, value))
        throw new Error(`set key ${regoString(key)} does not equal value to be inserted ${regoString(value)}`);
      if (isComposite(key)) this.collapse();
      return this.insertKeyed(key, value);
    }
    if (isRegoArray(current)) {
      const idx = toIndex(this.insertions.length, key);
      if (idx < 0 || idx > this.insertions.length) throw new Error('index for array insertion out of bounds');
      return this.insertArray(idx, value);
    }
    throw new Error(`expected composite type, found value: ${typed(current)}`);
  }

  private insertKeyed(key: RegoValue, value: RegoValue): EditTree {
    const { hash, found } = this.keyOf(key);
    if (found) this.deleteChildValue(hash);
    put(this.childKeys, hash, key);
    const child = new EditTree(value);
    if (isComposite(value)) put(this.childCompositeValues, hash, child);
    else put(this.childScalarValues, hash, value);
    return child;
  }

  private insertArray(idx: number, value: RegoValue): EditTree {
    const scalars: number[] = [];
    const composites: number[] = [];
    for (let i = idx; i < this.insertions.length; i++) {
      if (this.insertions[i] !== 1) continue;
      if (this.childScalarValues?.has(i) === true) scalars.push(i);
      else if (this.childCompositeValues?.has(i) === true) composites.push(i);
      else throw new EditTreePanic(`invalid index ${i} during Insert operation`);
    }
    for (const i of scalars.reverse()) {
      const v = this.childScalarValues?.get(i) as RegoValue;
      this.deleteChildValue(i);
      put(this.childScalarValues, i + 1, v);
    }
    for (const i of composites.reverse()) {
      const v = this.childCompositeValues?.get(i) as EditTree;
      this.deleteChildValue(i);
      put(this.childCompositeValues, i + 1, v);
    }
    this.insertions.splice(idx, 0, 1);
    const child = new EditTree(value);
    if (isComposite(value)) put(this.childCompositeValues, idx, child);
    else put(this.childScalarValues, idx, value);
    return child;
  }

  /** Removes the child at `key` (an error when there is none). */
  delete(key: RegoValue): void {
    const current = this.value;
    if (current === DELETED) throw new Error('deleted node encountered during delete operation');
    if (current instanceof RegoObject) {
      const { hash, found } = this.keyOf(key);
      if (found) {
        if (this.childScalarValues?.has(hash) === true) {
          if (this.childScalarValues.get(hash) === DELETED)
            throw new Error(`cannot delete the already deleted scalar node for key ${regoString(key)}`);
          put(this.childKeys, hash, key);
          put(this.childScalarValues, hash, DELETED);
          return;
        }
        if (this.childCompositeValues?.has(hash) === true) {
          if (this.childCompositeValues.get(hash) === DELETED)
            throw new Error(`cannot delete the already deleted composite node for key ${regoString(key)}`);
          put(this.childKeys, hash, key);
          put(this.childCompositeValues, hash, DELETED);
          return;
        }
        throw new EditTreePanic(`hash value ${hash} not found in scalar or composite child maps`);
      }
      this.fallbackDelete(key);
      return;
    }
    if (current instanceof RegoSet) {
      if (isComposite(key)) this.collapse();
      else {
        const { hash, found } = this.keyOf(key);
        if (found && this.childScalarValues?.has(hash) === true) {
          const child = this.childScalarValues.get(hash);
          if (child === DELETED)
            throw new Error(`cannot delete the already deleted scalar node for key ${regoString(key)}`);
          if (regoEqual(key, child as RegoValue)) {
            put(this.childKeys, hash, key);
            put(this.childScalarValues, hash, DELETED);
            return;
          }
        }
      }
      this.fallbackDelete(key);
      return;
    }
    if (isRegoArray(current)) {
      const idx = toIndex(this.insertions.length, key);
      if (idx < 0 || idx > this.insertions.length - 1) throw new Error('index for array delete out of bounds');
      const scalars: number[] = [];
      const composites: number[] = [];
      for (let i = idx + 1; i < this.insertions.length; i++) {
        if (this.insertions[i] !== 1) continue;
        if (this.childScalarValues?.has(i) === true) scalars.push(i);
        else if (this.childCompositeValues?.has(i) === true) composites.push(i);
        else throw new EditTreePanic(`invalid index ${i} during Insert operation`);
      }
      this.deleteChildValue(idx);
      for (const i of scalars) {
        const v = this.childScalarValues?.get(i) as RegoValue;
        this.deleteChildValue(i);
        put(this.childScalarValues, i - 1, v);
      }
      for (const i of composites) {
        const v = this.childCompositeValues?.get(i) as EditTree;
        this.deleteChildValue(i);
        put(this.childCompositeValues, i - 1, v);
      }
      if (this.insertions[idx] === 0) {
        // Bleed through to the original array: the n-th surviving original element goes.
        let zeroes = 1;
        for (let i = 0; i < idx; i++) if (this.insertions[i] === 0) zeroes++;
        let seen = 0;
        let at = -1;
        for (let i = 0; i < this.eliminated.length; i++) {
          if (this.eliminated[i] === 0) seen++;
          if (seen === zeroes) {
            at = i;
            break;
          }
        }
        if (at < 0) throw new EditTreePanic(`could not successfully eliminate index ${idx} from array`);
        this.eliminated[at] = 1;
      }
      this.insertions.splice(idx, 1);
      return;
    }
    throw new Error(`expected composite type, found value: ${typed(current)}`);
  }

  /** For objects and sets: marks a key of the original value deleted (an error when it is absent). */
  private fallbackDelete(key: RegoValue): void {
    const value = findChild(this.live(), key);
    if (value === undefined) throw new Error(`cannot delete child key ${regoString(key)} that does not exist`);
    const { hash } = this.keyOf(key);
    put(this.childKeys, hash, key);
    if (isComposite(value)) put(this.childCompositeValues, hash, DELETED);
    else put(this.childScalarValues, hash, DELETED);
  }

  /** Walks down `path`, materialising the nodes on the way; the node at its end. */
  unfold(path: readonly RegoValue[]): EditTree {
    if (path.length === 0) return this;
    const current = this.value;
    if (current === DELETED) throw new Error('nil value encountered where composite value was expected');
    const key = path[0] as RegoValue;
    const rest = path.slice(1);
    if (current instanceof RegoObject) {
      const { hash, found } = this.keyOf(key);
      if (found) {
        if (this.childScalarValues?.has(hash) === true) {
          const term = this.childScalarValues.get(hash);
          if (term === DELETED)
            throw new Error(`cannot unfold the already deleted scalar node for key ${regoString(key)}`);
          return new EditTree(term as RegoValue).unfold(rest);
        }
        if (this.childCompositeValues?.has(hash) === true) {
          const child = this.childCompositeValues.get(hash);
          if (child === DELETED)
            throw new Error(`cannot unfold the already deleted composite node for key ${regoString(key)}`);
          return (child as EditTree).unfold(rest);
        }
        throw new EditTreePanic(`hash value ${hash} not found in scalar or composite child maps`);
      }
      const v = current.get(key);
      if (v !== undefined) return this.insert(key, v).unfold(rest);
      throw new Error(`path ${regoString(key)} does not exist in object term ${regoString(current)}`);
    }
    if (current instanceof RegoSet) {
      if (isComposite(key)) this.collapse();
      else {
        const { hash, found } = this.keyOf(key);
        if (found && this.childScalarValues?.has(hash) === true) {
          const term = this.childScalarValues.get(hash);
          // Go builds a nil node from a deleted element and dereferences it.
          if (term === DELETED) throw new EditTreePanic('nil pointer dereference');
          return new EditTree(term as RegoValue).unfold(rest);
        }
      }
      const v = findChild(this.live(), key);
      if (v !== undefined) return this.insert(key, v).unfold(rest);
      throw new Error(`path ${refString(key)} does not exist in set term ${regoString(this.live())}`);
    }
    if (isRegoArray(current)) {
      const idx = toIndex(this.insertions.length, key);
      if (this.childScalarValues?.has(idx) === true)
        return new EditTree(this.childScalarValues.get(idx) as RegoValue).unfold(rest);
      if (this.childCompositeValues?.has(idx) === true)
        return (this.childCompositeValues.get(idx) as EditTree).unfold(rest);
      const index = new RegoNumber(String(idx));
      const v = findChild(current, index);
      if (v !== undefined) {
        this.delete(index);
        return this.insert(index, v).unfold(rest);
      }
      throw new Error(`path ${idx} does not exist in array term ${regoString(current)}`);
    }
    throw new Error(`expected composite type for path ${regoString(key)}, found value: ${typed(current)}`);
  }

  /** The value this node stands for with every edit beneath it applied (undefined when deleted). */
  render(): RegoValue | undefined {
    const current = this.value;
    if (current === DELETED) return undefined;
    if (current instanceof RegoObject) {
      if ((this.childKeys?.size ?? 0) === 0) return current;
      const out: [RegoValue, RegoValue][] = [];
      const skip = new Set<Key>();
      for (const [hash, term] of this.childScalarValues ?? []) {
        skip.add(hash);
        if (term !== DELETED) out.push([this.childKeys?.get(hash) as RegoValue, term]);
      }
      for (const [hash, child] of this.childCompositeValues ?? []) {
        skip.add(hash);
        if (child !== DELETED) out.push([this.childKeys?.get(hash) as RegoValue, child.render() as RegoValue]);
      }
      for (const [k, v] of current.entries) if (!skip.has(regoKey(k))) out.push([k, v]);
      return RegoObject.of(out);
    }
    if (current instanceof RegoSet) {
      if ((this.childKeys?.size ?? 0) === 0) return current;
      const out: RegoValue[] = [];
      const skip = new Set<Key>();
      for (const [hash, term] of this.childScalarValues ?? []) {
        skip.add(hash);
        if (term !== DELETED) out.push(term);
      }
      for (const [hash, child] of this.childCompositeValues ?? []) {
        skip.add(hash);
        if (child !== DELETED) out.push(child.render() as RegoValue);
      }
      for (const k of current.elements) if (!skip.has(regoKey(k))) out.push(k);
      return RegoSet.of(out);
    }
    if (isRegoArray(current)) {
      const out: RegoValue[] = [];
      let e = 0;
      for (let i = 0; i < this.insertions.length; i++) {
        if (this.insertions[i] === 0) {
          while (e < this.eliminated.length && this.eliminated[e] !== 0) e++;
          if (e >= this.eliminated.length)
            throw new EditTreePanic(`too many eliminated indexes in array, expected to find uneliminated index ${i}`);
          out.push(current[e] as RegoValue);
          e++;
        } else if (this.childScalarValues?.has(i) === true) {
          out.push(this.childScalarValues.get(i) as RegoValue);
        } else if (this.childCompositeValues?.has(i) === true) {
          out.push((this.childCompositeValues.get(i) as EditTree).render() as RegoValue);
        } else {
          throw new EditTreePanic(`invalid index ${i} does not exist in array`);
        }
      }
      return out;
    }
    return current;
  }

  /** Inserts `value` at `path` (the whole document for an empty path). */
  insertAtPath(path: readonly RegoValue[], value: RegoValue): void {
    if (path.length === 0) {
      this.value = value;
      this.childKeys?.clear();
      this.childScalarValues?.clear();
      this.childCompositeValues?.clear();
      if (isRegoArray(value)) {
        this.eliminated = new Array<number>(value.length).fill(0);
        this.insertions = new Array<number>(value.length).fill(0);
      }
      return;
    }
    this.unfold(path.slice(0, -1)).insert(path[path.length - 1] as RegoValue, value);
  }

  /** Deletes what is at `path` (the whole document for an empty path: Go's maps become nil). */
  deleteAtPath(path: readonly RegoValue[]): void {
    if (path.length === 0) {
      if (this.value === DELETED) throw new Error('deleted node encountered during delete operation');
      this.value = DELETED;
      this.childKeys = undefined;
      this.childScalarValues = undefined;
      this.childCompositeValues = undefined;
      this.eliminated = [];
      this.insertions = [];
      return;
    }
    this.unfold(path.slice(0, -1)).delete(path[path.length - 1] as RegoValue);
  }

  /** Renders the node at `path` (undefined for the deleted document). */
  renderAtPath(path: readonly RegoValue[]): RegoValue | undefined {
    return this.unfold(path).render();
  }
}
