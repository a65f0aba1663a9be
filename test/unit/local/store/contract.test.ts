import { historyStoreContract, jobStoreContract, lastRunStoreContract } from "../../../contract/store-contract.ts";
import { handlerStateStoreContract } from "../../../contract/handler-state-contract.ts";
import { storeHandlerState } from "../../../../local/store/store-handler-state.ts";
import { openTemp } from "./store-fixtures.ts";

jobStoreContract("embedded SQLite store", async () => openTemp().jobs);
historyStoreContract("embedded SQLite store", async () => openTemp().history);
lastRunStoreContract("embedded SQLite store", async () => openTemp().lastRun);
handlerStateStoreContract("embedded SQLite store", async () => storeHandlerState(openTemp()));
