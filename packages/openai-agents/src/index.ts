/**
 * @regent/openai-agents: regent before and after every tool call of an OpenAI Agents SDK agent,
 * as tool input and output guardrails (and an approval policy for escalations). It reaches regent
 * only through @regent/client; `@openai/agents` is a peer dependency.
 */
export { regentGuardrails, isEscalation, type RegentGuardrailOptions, type RegentGuardrails } from './guardrails.ts';
