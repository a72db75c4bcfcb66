import { Processor } from '@nestjs/bullmq';
import { QueueProcessor, workerOptions } from '../queue/queue-processor.js';
import type { JobInfo } from '../queue/job-queue.js';
import { PAYLOAD_AUDIT_QUEUE } from '../queue/queues.js';
import { PayloadAudit, type AuditRecord } from './payload-audit.js';

/** BullMQ consumer of payload-audit (worker processes only; loaded only with Redis). */
@Processor(PAYLOAD_AUDIT_QUEUE, workerOptions(PAYLOAD_AUDIT_QUEUE))
export class PayloadAuditProcessor extends QueueProcessor<AuditRecord> {
  constructor(private readonly audit: PayloadAudit) {
    super();
  }

  protected handle(record: AuditRecord, job: JobInfo): Promise<void> {
    return this.audit.write(job.id, record);
  }
}
