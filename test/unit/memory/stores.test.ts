import { historyStoreContract, jobStoreContract, lastRunStoreContract } from "../../contract/store-contract.ts";
import { handlerStateStoreContract } from "../../contract/handler-state-contract.ts";
import { MemoryHandlerStateStore } from "../../../shared/memory/memory-handler-state-store.ts";
import { MemoryHistoryStore } from "../../../shared/memory/memory-history-store.ts";
import { MemoryJobStore } from "../../../shared/memory/memory-job-store.ts";
import { MemoryLastRunStore } from "../../../shared/memory/memory-last-run-store.ts";

jobStoreContract("in-memory", async () => new MemoryJobStore());
historyStoreContract("in-memory", async () => new MemoryHistoryStore());
lastRunStoreContract("in-memory", async () => new MemoryLastRunStore());
handlerStateStoreContract("in-memory", async () => new MemoryHandlerStateStore());
