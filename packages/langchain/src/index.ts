/**
 * @regent/langchain: regent before and after every tool call of a LangChain.js v1 agent
 * (`createAgent`), as an agent middleware. It reaches regent only through @regent/client;
 * `langchain` and `@langchain/core` are peer dependencies.
 */
export { regentMiddleware, isEscalation, type RegentMiddlewareOptions } from './middleware.ts';
