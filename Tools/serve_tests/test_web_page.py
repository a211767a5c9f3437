"""The web page in a real browser (Debian's chromium + chromedriver, Selenium): log in with a
key, enrol a person from photos, identify a photo (boxes drawn), search and remove people.
A screenshot of the identified photo is kept in $SERVE_ARTEFACTS (default .build/serve-artefacts)."""
import os
import shutil
import tempfile
import unittest

from _server import LFW, ROOT, Server, create_key, face_gallery, lfw_people

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    webdriver = None

ARTEFACTS = os.environ.get("SERVE_ARTEFACTS", str(ROOT / ".build" / "serve-artefacts"))
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


@unittest.skipUnless(webdriver and CHROMIUM and CHROMEDRIVER, "needs selenium, chromium and chromium-driver (make test-serve)")
@unittest.skipUnless(LFW.exists(), "needs LFW in ../shared/data/lfw")
class WebPageTests(unittest.TestCase):
    def setUp(self):
        os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager fetch a browser or driver
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1800"):
            options.add_argument(arg)
        self.browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.browser.set_page_load_timeout(60)
        self.wait = WebDriverWait(self.browser, 120)

    def tearDown(self):
        self.browser.quit()

    def text(self, element_id):
        return self.browser.find_element(By.ID, element_id).text

    def test_log_in_enrol_identify_search_and_remove(self):
        people = lfw_people(3)
        newcomer_name, newcomer_files = people[2]
        with tempfile.TemporaryDirectory() as d:
            db = face_gallery(d, people[:2])
            key = create_key(db, "browser", "enrol")
            with Server(db) as server:
                b = self.browser
                b.get(f"http://127.0.0.1:{server.port}/")

                # A wrong key is refused on the page; the right one opens the app.
                b.find_element(By.ID, "key").send_keys("sg_wrong")
                b.find_element(By.CSS_SELECTOR, "#login-form button").click()
                self.wait.until(lambda _: "not valid" in self.text("login-error"))
                b.find_element(By.ID, "key").clear()
                b.find_element(By.ID, "key").send_keys(key)
                b.find_element(By.CSS_SELECTOR, "#login-form button").click()
                self.wait.until(EC.visibility_of_element_located((By.ID, "app")))
                self.wait.until(lambda _: "2 people" in self.text("gallery-info"))

                # Enrol the newcomer from three photos.
                b.find_element(By.ID, "enrol-name").send_keys(newcomer_name)
                b.find_element(By.ID, "enrol-files").send_keys("\n".join(newcomer_files[:3]))
                b.find_element(By.CSS_SELECTOR, "#enrol-form button").click()
                self.wait.until(lambda _: "3 of 3 photo(s) enrolled" in self.text("enrol-status"))
                self.wait.until(lambda _: "3 people" in self.text("gallery-info"))

                # Identify the newcomer's fourth photo: a box is drawn and the name shown.
                b.find_element(By.ID, "identify-file").send_keys(newcomer_files[3])
                b.find_element(By.CSS_SELECTOR, "#identify-form button").click()
                self.wait.until(lambda _: "face(s)" in self.text("identify-status") or "Error" in self.text("identify-status"))
                self.assertIn(newcomer_name, self.text("identify-results"), self.text("identify-status"))
                self.assertGreater(b.execute_script("return document.getElementById('identify-canvas').width"), 0)
                os.makedirs(ARTEFACTS, exist_ok=True)
                b.find_element(By.ID, "identify-canvas").screenshot(os.path.join(ARTEFACTS, "web-identify.png"))
                b.save_screenshot(os.path.join(ARTEFACTS, "web-page.png"))

                # Search narrows the list; remove takes the person out of the gallery.
                search = b.find_element(By.ID, "search")
                search.send_keys(newcomer_name[:5])
                b.find_element(By.CSS_SELECTOR, "#search-form button").click()
                self.wait.until(lambda _: len(b.find_elements(By.CSS_SELECTOR, "#people tbody tr")) == 1)
                self.assertIn(newcomer_name, self.text("people"))
                b.find_element(By.CSS_SELECTOR, "#people tbody tr button.remove").click()
                self.wait.until(EC.alert_is_present()).accept()
                self.wait.until(lambda _: "Removed" in self.text("people-status"))
                self.assertEqual(server.request("GET", f"/v1/identities/{newcomer_name}", key)[0], 404)


if __name__ == "__main__":
    unittest.main()
