/**
 * @regent/ai-sdk: regent before and after every tool execution of a Vercel AI SDK agent
 * (`generateText`, `streamText`, agents), by wrapping the tool set. It reaches regent only
 * through @regent/client; `ai` is a peer dependency, used for its types.
 */
export { withRegent, RegentDenied, type RegentToolOptions } from './wrap-tools.ts';
