import type { EventHandler, Subscription } from './consumer.ts';
import type { EventType } from './event-map.ts';
import type { Transport } from './transport.ts';

/**
 * Where modules declare what they react to. Subscriptions are collected at construction and start
 * receiving events only in a process that runs the worker role.
 */
export class Bus {
  private readonly subscriptions: Subscription[] = [];

  readonly transport: Transport;

  constructor(transport: Transport) {
    this.transport = transport;
  }

  subscribe<T extends EventType>(consumer: string, types: readonly T[], handle: EventHandler<T>): void {
    if (this.subscriptions.some((subscription) => subscription.consumer === consumer)) {
      throw new Error(`Two subscriptions are named ${consumer}`);
    }
    this.subscriptions.push({ consumer, types: new Set(types), handle: handle as EventHandler });
  }

  async startConsumers(): Promise<void> {
    await this.transport.startConsumers(this.subscriptions);
  }
}
