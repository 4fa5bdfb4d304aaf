/**
 * json.patch(object, patches) as OPA's Go evaluator computes it (v1/topdown/json.go
 * builtinJSONPatch and applyPatches over the EditTree, edit-tree.ts): RFC 6902 operations (add,
 * remove, replace, move, copy, test) on any Rego value, sets included: a set is patched by element
 * (`{"op": "remove", "path": "foo/b"}` removes `"b"` from the set `foo`; an added element must
 * equal its last path segment). A path is a string (JSON pointer, leading slashes optional, `~1`
 * and `~0` unescaped) or an array of segments of any type. It takes and returns typed Rego values
 * (regoArguments, regoResult), since a set argument must stay a set.
 */
import { OperandError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { EditTree, EditTreePanic } from './edit-tree.ts';
import { RegoObject, isRegoArray, regoEqual, regoString, regoTypeOf, type RegoValue } from './rego-value.ts';

/** OPA's parsePath: a JSON pointer string or an array of segments. */
function parsePath(path: RegoValue): RegoValue[] {
  if (typeof path === 'string') {
    if (path === '') return [];
    return path
      .replace(/^\/+/, '')
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  if (isRegoArray(path)) return [...path];
  throw new OperandError(
    `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${regoTypeOf(path)}`,
    'eval_type_error',
  );
}

/** An attribute of a patch operation. */
function attribute(op: RegoObject, name: string): RegoValue | undefined {
  return op.get(name);
}

/** What Go's InsertAtPath says of a nil value (a move or copy from the deleted document). */
function present(value: RegoValue | undefined): RegoValue {
  if (value === undefined) throw new Error('cannot insert nil value into EditTree');
  return value;
}

function required(op: RegoObject, name: string): RegoValue {
  const value = attribute(op, name);
  if (value === undefined) throw new Error(`missing required attribute '${name}'`);
  return value;
}

/** OPA's applyPatches. */
function applyPatches(source: RegoValue, operations: readonly RegoValue[]): RegoValue {
  const tree = new EditTree(source);
  for (const operation of operations) {
    if (!(operation instanceof RegoObject))
      throw new Error('must be an array of JSON-Patch objects, but at least one element is not an object');
    if (attribute(operation, 'path') === undefined) throw new Error("missing required attribute 'path'");
    const op = attribute(operation, 'op');
    if (op === undefined) throw new Error("missing required attribute 'op'");
    if (typeof op !== 'string') throw new Error(`attribute 'op' must be a string but found: ${regoTypeOf(op)}`);
    const path = parsePath(required(operation, 'path'));
    switch (op) {
      case 'add':
        tree.insertAtPath(path, required(operation, 'value'));
        break;
      case 'remove':
        tree.deleteAtPath(path);
        break;
      case 'replace':
        tree.deleteAtPath(path);
        tree.insertAtPath(path, required(operation, 'value'));
        break;
      case 'move': {
        const from = parsePath(required(operation, 'from'));
        const chunk = tree.renderAtPath(from);
        tree.deleteAtPath(from);
        tree.insertAtPath(path, present(chunk));
        break;
      }
      case 'copy': {
        const from = parsePath(required(operation, 'from'));
        tree.insertAtPath(path, present(tree.renderAtPath(from)));
        break;
      }
      case 'test': {
        const chunk = tree.renderAtPath(path);
        const value = required(operation, 'value');
        if (chunk === undefined || !regoEqual(chunk, value))
          throw new Error(
            `value from EditTree != patch value.\n\nExpected: ${regoString(value)}\n\nFound: ${chunk === undefined ? '<nil>' : regoString(chunk)}`,
          );
        break;
      }
      default:
        throw new Error(`unrecognized op: '${op}'`);
    }
  }
  const result = tree.render();
  // OPA's evaluator dereferences the nil result.
  if (result === undefined) throw new EditTreePanic('the patched document was removed');
  return result;
}

function jsonPatch(_context: BuiltinContext, object: unknown, patches: unknown): RegoValue {
  const operations = patches as RegoValue;
  if (!isRegoArray(operations))
    throw new OperandError(`operand 2 must be array but got ${regoTypeOf(operations)}`, 'eval_type_error');
  return applyPatches(object as RegoValue, operations);
}

/** json.patch, by OPA name: typed Rego values in and out. */
export const JSON_PATCH_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'json.patch': { impl: jsonPatch, arity: 2, regoArguments: true, regoResult: true },
};
