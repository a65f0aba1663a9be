import { historyStoreContract, jobStoreContract, lastRunStoreContract } from "../../../contract/store-contract.ts";
import { openTemp } from "./store-fixtures.ts";

jobStoreContract("embedded SQLite store", async () => openTemp().jobs);
historyStoreContract("embedded SQLite store", async () => openTemp().history);
lastRunStoreContract("embedded SQLite store", async () => openTemp().lastRun);
