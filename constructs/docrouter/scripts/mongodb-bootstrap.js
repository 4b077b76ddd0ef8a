// Initialises the replica set and its users. Idempotent: it runs on every start of
// every member and only changes what is missing. Run by mongodb-bootstrap.sh.
const fs = require("fs");

const env = process.env;
const replicas = parseInt(env.REPLICAS, 10);
const member = (i) => `${env.STATEFULSET}-${i}.${env.SERVICE_DNS}:${env.MONGODB_PORT}`;
const secret = (key) => fs.readFileSync(`/credentials/${key}`, "utf8").trim();
const admin = db.getSiblingDB("admin");
const isFirstMember = env.POD_NAME === `${env.STATEFULSET}-0`;

function authenticated() {
  try {
    return admin.auth(env.ROOT_USER, secret("root-password")).ok === 1;
  } catch (e) {
    return false;
  }
}

function waitForPrimary() {
  for (let i = 0; i < 120; i++) {
    if (db.hello().isWritablePrimary) return;
    sleep(1000);
  }
  throw new Error("no primary after 120s");
}

function ensureUser(user, pwd, roles) {
  // updateUser keeps the password in step with the Secret (rotation = edit the Secret).
  if (admin.getUser(user)) admin.updateUser(user, { pwd, roles });
  else admin.createUser({ user, pwd, roles });
}

if (!authenticated()) {
  if (!isFirstMember) {
    print("waiting for the first member to create the users");
    quit(1);
  }
  // No user yet: the localhost exception allows initiating and creating the first user.
  if (!db.hello().setName) {
    const members = Array.from({ length: replicas }, (_, i) => ({ _id: i, host: member(i) }));
    rs.initiate({ _id: env.REPLICA_SET, members });
    print(`initiated replica set ${env.REPLICA_SET} with ${replicas} member(s)`);
  }
  waitForPrimary();
  admin.createUser({ user: env.ROOT_USER, pwd: secret("root-password"), roles: ["root"] });
  if (!authenticated()) throw new Error("created the root user but cannot log in with it");
}

if (db.hello().isWritablePrimary) {
  ensureUser(env.APP_USER, secret("app-password"), [
    { role: "readWriteAnyDatabase", db: "admin" },
    { role: "dbAdminAnyDatabase", db: "admin" },
  ]);
  // mongot reads the oplog and manages search indexes through this user.
  ensureUser(env.SEARCH_USER, secret("search-password"), [{ role: "searchCoordinator", db: "admin" }]);
  // Members added by scaling up join here; members are never removed automatically.
  const hosts = rs.conf().members.map((m) => m.host);
  for (let i = 0; i < replicas; i++) {
    if (!hosts.includes(member(i))) {
      rs.add({ host: member(i) });
      print(`added member ${member(i)}`);
    }
  }
}
print("bootstrap complete");
