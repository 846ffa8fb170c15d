import type {
  BatchToolCall,
  Message,
  NewMessage,
  NewQuestion,
  NewSetting,
  Question,
  Setting,
  ToolCall,
} from '../contract/types.js';

/**
 * What writing a copied row sends to the contract's creates: every field the store keeps,
 * timestamps explicit (so ties keep their order). Written once, for the writes and for the
 * checks made before them (write-checks.ts).
 */

export const newMessage = (sessionId: string, m: Message): NewMessage => ({
  sessionId,
  role: m.role,
  content: m.content,
  createdAt: m.createdAt,
  clientKey: m.clientKey,
});

export const newToolCall = (sessionId: string, t: ToolCall): BatchToolCall => ({
  sessionId,
  toolCallId: t.toolCallId,
  toolName: t.toolName,
  request: t.request,
  response: t.response,
  status: t.status,
  executionTimeMs: t.executionTimeMs,
  createdAt: t.createdAt,
  completedAt: t.completedAt,
  errorDetails: t.errorDetails,
  clientKey: t.clientKey,
});

/** A question as created: unanswered; its answer follows through `answerQuestions`. */
export const newQuestion = (q: Question, toolCallId: string | null): NewQuestion => ({
  toolCallId,
  questionId: q.questionId,
  question: q.question,
  description: q.description,
  responseType: q.responseType,
  createdAt: q.createdAt,
});

/** A setting as created: with its value when it had no `updatedAt` (created with it), else without. */
export const newSetting = (s: Setting, toolCallId: string | null): NewSetting => ({
  toolCallId,
  settingKey: s.settingKey,
  settingName: s.settingName,
  description: s.description,
  settingType: s.settingType,
  settingValue: s.updatedAt === null ? s.settingValue : null,
  createdAt: s.createdAt,
});
