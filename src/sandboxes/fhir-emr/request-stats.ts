/** Request counters for `GET /_admin/stats`: lets tests and demos see what a client did. */
export class RequestStats {
  private startedAt = new Date().toISOString();
  private total = 0;
  private byInteraction: Record<string, number> = {};
  private byType: Record<string, number> = {};
  private byStatus: Record<string, number> = {};

  record(interaction: string, type: string | undefined, status: number): void {
    this.total++;
    this.byInteraction[interaction] = (this.byInteraction[interaction] ?? 0) + 1;
    if (type) this.byType[type] = (this.byType[type] ?? 0) + 1;
    this.byStatus[String(status)] = (this.byStatus[String(status)] ?? 0) + 1;
  }

  reset(): void {
    this.startedAt = new Date().toISOString();
    this.total = 0;
    this.byInteraction = {};
    this.byType = {};
    this.byStatus = {};
  }

  snapshot(): {
    since: string;
    total: number;
    byInteraction: Record<string, number>;
    byType: Record<string, number>;
    byStatus: Record<string, number>;
  } {
    return {
      since: this.startedAt,
      total: this.total,
      byInteraction: { ...this.byInteraction },
      byType: { ...this.byType },
      byStatus: { ...this.byStatus },
    };
  }
}
