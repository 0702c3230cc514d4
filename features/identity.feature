@identity
Feature: Sign in with Madoguchi ID
  Residents sign in to every service with their My Number card and its 4-digit PIN, once:
  the next service does not ask again. Three wrong PINs lock the card until the municipal
  counter resets it. Submissions that legally need a signature are signed with the card's
  signing password, which children under 15 do not have. A passkey can stand in for the card
  where a service accepts it. Each agency knows a resident by a different identifier, and an
  outside service gets a resident's details only if the resident agrees.

  Background:
    Given Madoguchi is shown in English

  Scenario: One card sign-in is enough for the next service
    Given Kenta has signed in to the residence service with his My Number card
    When Kenta goes to the childcare service
    Then Madoguchi ID does not ask Kenta for his card
    And the childcare service shows Kenta signed in with "My Number card and PIN"

  Scenario: Three wrong PINs lock the card, and then the right PIN is refused too
    When Makoto goes to the residence service
    Then Madoguchi ID asks Makoto for his card
    When Makoto enters a wrong PIN
    Then Madoguchi ID tells Makoto "The PIN is wrong. 2 attempts left before the card locks"
    When Makoto enters a wrong PIN
    Then Madoguchi ID tells Makoto "The PIN is wrong. 1 attempt left before the card locks"
    When Makoto enters a wrong PIN
    Then Madoguchi ID tells Makoto "This card is locked after 3 wrong PINs. Take the card and proof of identity to the municipal counter to reset the PIN."
    When Makoto enters the right PIN
    Then Madoguchi ID tells Makoto "This card is locked after 3 wrong PINs. Take the card and proof of identity to the municipal counter to reset the PIN."
    And Makoto's card is listed as "Locked: PIN must be reset at the counter"
    And Makoto stays on Madoguchi ID's card page, not signed in

  Scenario: The municipal counter resets a locked PIN
    Given Yumiko's card is locked after 3 wrong PINs
    When the counter clerk signs in with the staff password and a code from the authenticator app
    And the counter clerk looks up Yumiko's card
    Then the counter clerk sees that Yumiko's PIN is "Locked"
    When the counter clerk resets Yumiko's PIN to 4321, having seen her identity document
    Then the counter clerk sees "PIN reset"
    When Yumiko goes to the residence service
    And Yumiko signs in with her card and the PIN 4321
    Then the residence service shows Yumiko signed in with "My Number card and PIN"

  Scenario: A resident signs an outside service's application with the card
    Given Sakura Bank, an online bank outside the kit, uses Madoguchi ID
    When Ayaka starts signing Sakura Bank's "Application to open a savings account" with Madoguchi ID
    Then Madoguchi ID asks Ayaka for her card
    When Ayaka signs in with her card and PIN
    Then Madoguchi ID shows Ayaka what she is signing, with its fingerprint
    When Ayaka enters her signing password
    Then Sakura Bank receives a signature by "森下 彩花" over the document
    And the signing certificate was issued by the JPKI certification authority

  Scenario: A child under 15 cannot sign
    Given Sakura Bank, an online bank outside the kit, uses Madoguchi ID
    When Aoi starts signing Sakura Bank's "Application to open a child's savings account" with Madoguchi ID
    And Aoi signs in with his card and PIN
    And Aoi enters the signing password
    Then Madoguchi ID tells Aoi "Signing is not available for people under 15. A parent or guardian can make this submission for you"
    When Aoi chooses not to sign
    Then Sakura Bank receives no signature

  Scenario: A passkey signs a resident in where the card is not required
    Given Ryosuke's phone can keep passkeys
    And Ryosuke has signed in to the portal with his My Number card
    When Ryosuke adds a passkey named "My phone" on his Madoguchi ID account page
    Then Ryosuke's Madoguchi ID account page lists the passkey "My phone"
    When Ryosuke signs out on the portal
    And Ryosuke goes to the portal's account page
    And Ryosuke signs in with his passkey
    Then the portal shows Ryosuke signed in with "Passkey"
    When Ryosuke goes to the residence service
    Then Madoguchi ID asks Ryosuke for his card, offering no passkey

  Scenario: Each agency knows a resident by its own identifier
    Given Setsuko has signed in to the residence service with her My Number card
    Then Setsuko has these identifiers, where the same letter means the same identifier:
      | service   | identifier |
      | residence | A          |
      | childcare | A          |
      | pension   | B          |
      | company   | C          |
      | portal    | D          |

  Scenario: An outside service gets a resident's details only with her agreement
    Given Sakura Bank, an online bank outside the kit, uses Madoguchi ID
    And Naoko has signed in to the residence service with her My Number card
    Then Madoguchi ID does not ask Naoko to agree to anything
    When Naoko signs in to Sakura Bank with Madoguchi ID
    Then Madoguchi ID asks Naoko to share these details with Sakura Bank:
      | Your name, in kanji, kana and the Latin alphabet |
      | Your address                                     |
      | Your date of birth                               |
      | Your gender                                      |
    When Naoko agrees to share them
    Then Sakura Bank knows Naoko as "高木 直子"
    When Naoko signs in to Sakura Bank again
    Then Madoguchi ID does not ask Naoko to agree again
    And Sakura Bank knows Naoko as "高木 直子"
    When Naoko withdraws her agreement with Sakura Bank on her account page
    Then Sakura Bank can no longer read Naoko's details
    When Naoko signs in to Sakura Bank again
    Then Madoguchi ID asks Naoko again to share her details with Sakura Bank

  Scenario: Signing out at one service signs the resident out of the others
    Given Wataru has signed in to the portal with his My Number card
    And Wataru has gone to the residence and pension services
    When Wataru signs out on the portal
    Then the portal tells Wataru "You have signed out of this service and of Madoguchi ID."
    And Wataru is signed out of the residence service
    And Wataru is signed out of the pension service
