/** An LLM behind one small interface: echo (offline), Anthropic, OpenAI-compatible, Bedrock. */
export interface CompletionRequest {
  readonly prompt: string;
  readonly system?: string;
  readonly model?: string;
  readonly maxTokens?: number;
  readonly signal?: AbortSignal;
}

export interface CompletionResponse {
  readonly text: string;
  readonly model?: string;
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number };
}

export interface Provider {
  readonly name: string;
  complete(request: CompletionRequest): Promise<CompletionResponse>;
}
