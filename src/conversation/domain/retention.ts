import { DEFAULT_TEMPORARY_MINUTES, type PlanPolicy } from '../../../libs/auth/principal.js';

/** What one plan's conversations are deleted by: last activity before `expiredBefore` (null: never), or, for temporary ones, before `temporaryBefore`. */
export interface RetentionCutoffs {
  plan: string;
  expiredBefore: Date | null;
  temporaryBefore: Date;
}

export function retentionCutoffs(plan: PlanPolicy, now: Date): RetentionCutoffs {
  const days = plan.retention?.days;
  const temporaryMinutes = plan.retention?.temporaryMinutes ?? DEFAULT_TEMPORARY_MINUTES;
  return {
    plan: plan.id,
    expiredBefore: days === undefined ? null : new Date(now.getTime() - days * 86_400_000),
    temporaryBefore: new Date(now.getTime() - temporaryMinutes * 60_000),
  };
}

export interface RetentionRun {
  id: string;
  startedAt: Date;
  finishedAt: Date | null;
  status: 'running' | 'complete' | 'failed';
  expiredDeleted: number;
  temporaryDeleted: number;
  batches: number;
  error: string | null;
}
