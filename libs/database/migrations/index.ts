import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { ConversationTree1764000000100 } from './1764000000100-conversation-tree.js';
import { IdempotencyKeys1764000000200 } from './1764000000200-idempotency-keys.js';
import { FullTextSearch1764000000310 } from './1764000000310-full-text-search.js';
import { AuditPayloads1764000000500 } from './1764000000500-audit-payloads.js';
import { AbuseFlags1764000000600 } from './1764000000600-abuse-flags.js';
import { OpenQuestions1764000000700 } from './1764000000700-open-questions.js';
import { FeedbackAndAnalytics1764000000800 } from './1764000000800-feedback-and-analytics.js';
import { Retention1764000000900 } from './1764000000900-retention.js';
import { UsageKinds1764000001000 } from './1764000001000-usage-kinds.js';
import { AnalyticsRollup1764000001100 } from './1764000001100-analytics-rollup.js';
import { ConversationsFillfactor1764000001200 } from './1764000001200-conversations-fillfactor.js';

/** Every migration, in order. The same list runs on PostgreSQL and on embedded PGlite. */
export const MIGRATIONS = [InitialSchema1764000000000, ConversationTree1764000000100, IdempotencyKeys1764000000200, FullTextSearch1764000000310, AuditPayloads1764000000500, AbuseFlags1764000000600, OpenQuestions1764000000700, FeedbackAndAnalytics1764000000800, Retention1764000000900, UsageKinds1764000001000, AnalyticsRollup1764000001100, ConversationsFillfactor1764000001200];
