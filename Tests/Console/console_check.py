"""Drives the console in headless Chromium against a running gateway (scripts/console-check.sh
starts it with real events) and checks each page against the API it is built on."""
import json
import os
import sys
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

BASE, SUBSCRIBER, OPERATOR = os.environ["BASE"], os.environ["SUBSCRIBER"], os.environ["OPERATOR"]
SCREENSHOTS = os.environ.get("SCREENSHOTS")
failures = []


def api(path, token):
    request = urllib.request.Request(BASE + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 15)


def shot(name):
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        driver.save_screenshot(os.path.join(SCREENSHOTS, name + ".png"))


def visit(fragment, present):
    driver.get(BASE + "/console" + fragment)
    return wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, present)))


try:
    # Signing in: the form, then the case queue; the tokens are not in the URL.
    visit("", "#login")
    shot("login")
    driver.find_element(By.ID, "subscriber-token").send_keys(SUBSCRIBER)
    driver.find_element(By.ID, "operator-token").send_keys(OPERATOR)
    driver.find_element(By.CSS_SELECTOR, "#login button").click()
    wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "#cases")))
    check(SUBSCRIBER not in driver.current_url and OPERATOR not in driver.current_url, "tokens never reach the URL")

    # Cases: the rows are the API's cases, each with its clock.
    cases = api("/v1/cases?limit=200", OPERATOR)
    rows = driver.find_elements(By.CSS_SELECTOR, "#cases tr[data-case]")
    check([row.get_attribute("data-case") for row in rows] == [c["id"] for c in cases["cases"]], "the queue lists the API's cases in order")
    check(all("left" in row.find_element(By.CSS_SELECTOR, ".clock").text or "overdue" in row.text for row in rows), "every open case shows its clock")
    shot("cases")

    # One case: assign and resolve from the page; the API sees both.
    case_id = next(c["id"] for c in cases["cases"] if (c.get("customer") or {}).get("id") == "cus_ann")
    visit("#/cases/" + case_id, "#assign")
    check("<img" in driver.find_element(By.TAG_NAME, "q").text, "markup in the customer's text is shown as text")
    form = driver.find_element(By.ID, "assign")
    form.find_element(By.NAME, "owner").send_keys("maria")
    form.find_element(By.TAG_NAME, "button").click()
    wait.until(ready.text_to_be_present_in_element((By.ID, "case-owner"), "maria"))
    check(api("/v1/cases/" + case_id, OPERATOR).get("owner") == "maria", "an assignment made in the page is in the API")
    form = driver.find_element(By.ID, "resolve")
    form.find_element(By.NAME, "root_cause").send_keys("double charge in checkout")
    form.find_element(By.NAME, "resolution").send_keys("refunded the second charge")
    form.find_element(By.TAG_NAME, "button").click()
    wait.until(ready.text_to_be_present_in_element((By.ID, "case-state"), "resolved"))
    check(api("/v1/cases/" + case_id, OPERATOR).get("state") == "resolved", "a resolution made in the page is in the API")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#timeline tr")) >= 4, "the timeline shows the case's events")
    shot("case")

    # NPS: every cell shows the API's figure; small cells are marked insufficient.
    nps = api("/v1/nps?group_by=segment,channel", SUBSCRIBER)
    visit("#/nps", "#nps-grid")
    for cell in nps["cells"]:
        node = driver.find_element(By.CSS_SELECTOR, f'td[data-segment="{cell["segment"]}"][data-channel="{cell["channel"]}"]')
        shown = node.get_attribute("data-nps")
        check(shown == ("" if cell["nps"] is None else format(cell["nps"], "g")), f'NPS {cell["segment"]} × {cell["channel"]} is {cell["nps"]}')
        check(("insufficient" in node.get_attribute("class")) == cell["insufficient"], f'{cell["segment"]} × {cell["channel"]} insufficient: {cell["insufficient"]}')
    check(len(driver.find_elements(By.CSS_SELECTOR, "#nps-trend tr")) > 1, "the trend has rows")
    shot("nps")

    # Live tail: the stream's latest events, newest first.
    visit("#/tail", "#tail")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tail tbody tr")) > 0)
    check(any("charged twice" in row.text for row in driver.find_elements(By.CSS_SELECTOR, "#tail tbody tr")), "the tail shows events as they are stored")
    shot("tail")

    # Outbox and health.
    visit("#/outbox", "#outbox")
    outbox = api("/v1/outbox", OPERATOR)
    check(len(driver.find_elements(By.CSS_SELECTOR, "#outbox tr")) - 1 == len(outbox["messages"]), "the outbox lists the API's messages")
    shot("outbox")
    visit("#/health", "#channels")
    with urllib.request.urlopen(BASE + "/readyz", timeout=10) as response:
        readiness = json.load(response)
    check(driver.find_element(By.ID, "ready-status").text == readiness["status"], "health shows /readyz")
    shot("health")

    try:
        driver.switch_to.alert
        check(False, "no script from a customer's text ran")
    except NoAlertPresentException:
        check(True, "no script from a customer's text ran")
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    check(not errors, "the browser logged no errors: " + json.dumps(errors)[:500])
finally:
    driver.quit()

sys.exit(1 if failures else 0)
